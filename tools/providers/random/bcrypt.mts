// bcrypt as golang.org/x/crypto/bcrypt produces it ("$2a$", cost 10 = bcrypt.DefaultCost), which is what
// terraform-provider-random uses for random_password's bcrypt_hash
// (internal/provider/resource_password.go, generateHash: bcrypt.GenerateFromPassword(result, DefaultCost)).
// Node has no bcrypt and the project has no bcrypt package, so this is a small implementation of the
// published algorithm (Provos & Mazières, "A Future-Adaptable Password Scheme", 1999), following the
// structure of x/crypto/bcrypt/bcrypt.go (bcrypt, expensiveBlowfishSetup) and x/crypto/blowfish
// (block.go: encryptBlock, ExpandKey, expandKeyWithSalt, getNextWord). Blowfish's initial P-array and
// S-boxes are the fractional hex digits of pi; we compute them (Machin's formula with BigInt) instead of
// carrying the 1042-word table.

import * as crypto from "node:crypto";

const ALPHABET = "./ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789";
const MAGIC = "OrpheanBeholderScryDoubt"; // x/crypto/bcrypt magicCipherData
const MAX_PASSWORD = 72; // x/crypto/bcrypt: ErrPasswordTooLong above 72 bytes

interface State {
    p: Uint32Array; // 18 subkeys
    s: Uint32Array; // four S-boxes of 256 words, back to back
}

let piWords: Uint32Array | undefined;

function computePiWords(count: number): Uint32Array {
    const bits = BigInt(count * 32 + 64); // 64 guard bits absorb the truncation errors of the series
    const one = 1n << bits;
    const arctanInv = (n: number): bigint => {
        const x = BigInt(n);
        const x2 = x * x;
        let sum = 0n;
        let power = one / x; // 1 / x^(2k+1), scaled
        for (let k = 1n, sign = 1n; power !== 0n; k += 2n, sign = -sign) {
            sum += (sign * power) / k;
            power /= x2;
        }
        return sum;
    };
    let frac = 16n * arctanInv(5) - 4n * arctanInv(239) - 3n * one; // pi - 3, scaled by 2^bits
    const words = new Uint32Array(count);
    for (let i = 0; i < count; i++) {
        frac <<= 32n;
        words[i] = Number(frac >> bits);
        frac &= one - 1n;
    }
    return words;
}

function newState(): State {
    piWords ??= computePiWords(18 + 4 * 256);
    return { p: piWords.slice(0, 18), s: piWords.slice(18) };
}

function encryptBlock(st: State, l: number, r: number): [number, number] {
    const { p, s } = st;
    const f = (x: number): number =>
        ((((s[x >>> 24]! + s[256 + ((x >>> 16) & 0xff)]!) >>> 0) ^ s[512 + ((x >>> 8) & 0xff)]!) + s[768 + (x & 0xff)]!) >>> 0;
    let xl = (l ^ p[0]!) >>> 0;
    let xr = r >>> 0;
    for (let i = 1; i <= 16; i += 2) {
        xr = (xr ^ f(xl) ^ p[i]!) >>> 0;
        xl = (xl ^ f(xr) ^ p[i + 1]!) >>> 0;
    }
    xr = (xr ^ p[17]!) >>> 0;
    return [xr, xl];
}

function nextWord(b: Uint8Array, pos: { j: number }): number {
    let w = 0;
    for (let i = 0; i < 4; i++) {
        if (pos.j >= b.length) pos.j = 0;
        w = ((w << 8) | b[pos.j++]!) >>> 0;
    }
    return w;
}

// x/crypto/blowfish expandKeyWithSalt (salt === null: ExpandKey).
function expandKey(st: State, key: Uint8Array, salt: Uint8Array | null): void {
    const kp = { j: 0 };
    for (let i = 0; i < 18; i++) st.p[i] = (st.p[i]! ^ nextWord(key, kp)) >>> 0;
    const sp = { j: 0 };
    let l = 0;
    let r = 0;
    const fill = (arr: Uint32Array): void => {
        for (let i = 0; i < arr.length; i += 2) {
            if (salt) {
                l = (l ^ nextWord(salt, sp)) >>> 0;
                r = (r ^ nextWord(salt, sp)) >>> 0;
            }
            [l, r] = encryptBlock(st, l, r);
            arr[i] = l;
            arr[i + 1] = r;
        }
    };
    fill(st.p);
    fill(st.s);
}

/** bcrypt's base64: its own alphabet, no padding. */
export function encode(buf: Uint8Array): string {
    let out = "";
    for (let i = 0; i < buf.length; i += 3) {
        const n = (buf[i]! << 16) | ((buf[i + 1] ?? 0) << 8) | (buf[i + 2] ?? 0);
        const chars = i + 1 >= buf.length ? 2 : i + 2 >= buf.length ? 3 : 4;
        for (let c = 0; c < chars; c++) out += ALPHABET[(n >>> (18 - 6 * c)) & 0x3f];
    }
    return out;
}

export function decode(str: string): Buffer {
    const bytes: number[] = [];
    let acc = 0;
    let bits = 0;
    for (const ch of str) {
        const v = ALPHABET.indexOf(ch);
        if (v < 0) throw new Error(`invalid bcrypt base64 character ${JSON.stringify(ch)}`);
        acc = ((acc << 6) | v) & 0xffffff;
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            bytes.push((acc >>> bits) & 0xff);
        }
    }
    return Buffer.from(bytes);
}

/** bcrypt of password with a given 16-byte salt. */
export function hashWithSalt(password: string, cost: number, salt: Uint8Array): string {
    const pw = Buffer.from(password, "utf8");
    if (pw.length > MAX_PASSWORD) throw new Error("bcrypt: password length exceeds 72 bytes");
    if (cost < 4 || cost > 31) throw new Error(`bcrypt: cost ${cost} is outside allowed range (4,31)`);
    const key = Buffer.concat([pw, Buffer.from([0])]); // C bcrypt compatibility: the trailing NUL is key
    const st = newState();
    expandKey(st, key, salt);
    for (let i = 0, rounds = 2 ** cost; i < rounds; i++) {
        expandKey(st, key, null);
        expandKey(st, salt, null);
    }
    const data = Buffer.from(MAGIC);
    for (let i = 0; i < 24; i += 8) {
        let l = data.readUInt32BE(i);
        let r = data.readUInt32BE(i + 4);
        for (let j = 0; j < 64; j++) [l, r] = encryptBlock(st, l, r);
        data.writeUInt32BE(l, i);
        data.writeUInt32BE(r, i + 4);
    }
    const c = String(cost).padStart(2, "0");
    return `$2a$${c}$${encode(salt)}${encode(data.subarray(0, 23))}`; // 23 of 24 bytes, as C bcrypt
}

/** bcrypt.GenerateFromPassword(password, cost) with a fresh random salt. */
export function generate(password: string, cost = 10): string {
    return hashWithSalt(password, cost, crypto.randomBytes(16));
}

/** bcrypt.CompareHashAndPassword: true when hash is password's bcrypt hash. */
export function compare(hash: string, password: string): boolean {
    const m = /^\$2[aby]?\$(\d\d)\$([./A-Za-z0-9]{22})([./A-Za-z0-9]{31})$/.exec(hash);
    if (!m) return false;
    const again = hashWithSalt(password, Number(m[1]), decode(m[2]!));
    return crypto.timingSafeEqual(Buffer.from(again.slice(-31)), Buffer.from(m[3]!));
}

// Just enough of POSIX ustar to write and read Helm chart packages (.tgz: the e2e chart repository, check:charts): Helm's loader
// (helm.sh/helm/v3 pkg/chart/loader/archive.go) reads regular-file entries and ignores the rest.
// Written here rather than taken from a transitive dependency (node_modules/tar comes only through
// @pulumi/pulumi's npm tooling and may vanish with it).
import * as zlib from "node:zlib";

export interface TarEntry {
    /** Path inside the archive, "/"-separated, e.g. "gitea/templates/service.yaml". */
    readonly path: string;
    readonly content: Buffer;
}

const BLOCK = 512;

function writeString(buf: Buffer, offset: number, length: number, s: string): void {
    const b = Buffer.from(s, "utf8");
    if (b.length > length) throw new Error(`tar: "${s}" does not fit in ${length} bytes`);
    b.copy(buf, offset);
}

function writeOctal(buf: Buffer, offset: number, length: number, n: number): void {
    // length-1 octal digits, then NUL (the form GNU tar and Go's archive/tar both read).
    writeString(buf, offset, length, `${n.toString(8).padStart(length - 1, "0")}\0`);
}

/** Splits a path into ustar's prefix (155 bytes) and name (100 bytes) at a "/". */
function splitPath(p: string): { prefix: string; name: string } {
    if (Buffer.byteLength(p) <= 100) return { prefix: "", name: p };
    for (let i = p.indexOf("/"); i >= 0; i = p.indexOf("/", i + 1)) {
        const prefix = p.slice(0, i);
        const name = p.slice(i + 1);
        if (Buffer.byteLength(prefix) <= 155 && Buffer.byteLength(name) <= 100) return { prefix, name };
    }
    throw new Error(`tar: path too long for ustar: ${p}`);
}

function header(e: TarEntry, mtime: number): Buffer {
    const h = Buffer.alloc(BLOCK);
    const { prefix, name } = splitPath(e.path);
    writeString(h, 0, 100, name);
    writeOctal(h, 100, 8, 0o644);
    writeOctal(h, 108, 8, 0);
    writeOctal(h, 116, 8, 0);
    writeOctal(h, 124, 12, e.content.length);
    writeOctal(h, 136, 12, mtime);
    h.fill(" ", 148, 156); // the checksum is computed with its own field as spaces
    writeString(h, 156, 1, "0");
    writeString(h, 257, 6, "ustar\0");
    writeString(h, 263, 2, "00");
    writeString(h, 345, 155, prefix);
    let sum = 0;
    for (const byte of h) sum += byte;
    writeString(h, 148, 8, `${sum.toString(8).padStart(6, "0")}\0 `);
    return h;
}

/** A gzip-compressed ustar archive of regular files (mtime fixed, so equal input gives equal bytes). */
export function tgz(entries: readonly TarEntry[], mtime = 0): Buffer {
    const parts: Buffer[] = [];
    for (const e of entries) {
        parts.push(header(e, mtime), e.content);
        const pad = (BLOCK - (e.content.length % BLOCK)) % BLOCK;
        if (pad) parts.push(Buffer.alloc(pad));
    }
    parts.push(Buffer.alloc(BLOCK * 2));
    return zlib.gzipSync(Buffer.concat(parts));
}

const cstr = (b: Buffer): string => {
    const end = b.indexOf(0);
    return b.subarray(0, end < 0 ? b.length : end).toString("utf8");
};

/**
 * The regular files of a .tgz. Understands ustar prefixes, GNU long names ('L') and PAX `path`
 * records ('x'), which Go's archive/tar (helm package) writes for long paths.
 */
export function untgz(archive: Buffer): TarEntry[] {
    const data = zlib.gunzipSync(archive);
    const out: TarEntry[] = [];
    let longName: string | undefined;
    for (let off = 0; off + BLOCK <= data.length; ) {
        const h = data.subarray(off, off + BLOCK);
        if (h.every((b) => b === 0)) break;
        const size = parseInt(cstr(h.subarray(124, 136)).trim() || "0", 8);
        const type = String.fromCharCode(h[156] ?? 48);
        const body = data.subarray(off + BLOCK, off + BLOCK + size);
        off += BLOCK + Math.ceil(size / BLOCK) * BLOCK;
        if (type === "L") {
            longName = cstr(body);
            continue;
        }
        if (type === "x") {
            const m = /(?:^|\n)\d+ path=([^\n]*)\n/.exec(body.toString("utf8"));
            if (m) longName = m[1];
            continue;
        }
        const prefix = cstr(h.subarray(345, 500));
        const name = longName ?? (prefix ? `${prefix}/${cstr(h.subarray(0, 100))}` : cstr(h.subarray(0, 100)));
        longName = undefined;
        if (type === "0" || type === "\0") out.push({ path: name, content: Buffer.from(body) });
    }
    return out;
}

// What a request carries that must never be shown, and how messages are made safe: paths with their
// query values hidden, one-line body excerpts, and every secret a request carried — its credentials,
// session cookie and CSRF crumb, the secret fields of its JSON or XML body — replaced by *** in any
// message or log line about it, in each form a server might echo it back.

const EXCERPT_MAX = 200;

/** The parts of a request that can carry secrets (HttpRequest, structurally). */
export interface SecretCarrier {
    readonly headers?: Readonly<Record<string, string>>;
    readonly body?: string;
    readonly query?: Readonly<Record<string, string>>;
    readonly secrets?: readonly string[];
}

/**
 * Query keys whose values are shown in messages (item names, refs); every other value is redacted.
 * A plain array, not a Set: Pulumi's closure serialization turns a captured Set into a plain object.
 */
const SHOWN_QUERY_KEYS = ["name", "ref", "tree", "depth"];

export function describePath(path: string, query?: Readonly<Record<string, string>>): string {
    const q = Object.entries(query ?? {});
    if (q.length === 0) return path;
    return `${path}?${q.map(([k, v]) => `${k}=${SHOWN_QUERY_KEYS.includes(k) ? v : "***"}`).join("&")}`;
}

/** Turns a response body into a one-line excerpt: JSON `message`, or HTML stripped of tags. */
export function bodyExcerpt(text: string, secrets: readonly string[] = []): string {
    let s = text;
    try {
        const v: unknown = JSON.parse(text);
        if (v && typeof v === "object" && "message" in v && typeof v.message === "string") s = v.message;
    } catch {
        // not JSON
    }
    s = s
        .replace(/<(script|style)[\s\S]*?<\/\1>/gi, " ")
        .replace(/<[^>]*>/g, " ")
        .replace(/&nbsp;/g, " ")
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&#39;/g, "'")
        .replace(/&amp;/g, "&")
        .replace(/\s+/g, " ")
        .trim();
    s = redact(s, secrets);
    return s.length > EXCERPT_MAX ? `${s.slice(0, EXCERPT_MAX - 1)}…` : s;
}

export function redact(s: string, secrets: readonly string[]): string {
    let out = s;
    // Longest first, so "Bearer <token>" goes before "<token>" would leave "Bearer ***" half-done.
    for (const secret of [...secrets].sort((a, b) => b.length - a.length)) {
        if (secret.length >= 4) out = out.split(secret).join("***");
    }
    return out;
}

// Names (of headers, JSON fields, XML elements) whose values are credentials. Plain arrays and
// RegExps (no global flag, so no lastIndex state): Pulumi's closure serialization turns a captured
// Set into a plain object.
const SECRET_HEADER = /^(authorization|proxy-authorization|cookie)$|crumb|token|secret|password|api-?key/i;
const SECRET_FIELD = /(password|passwd|passphrase|secret|token|authorization|authorization_header|api_?key|private_?key|sha1|credentials?)$/i;
const SECRET_XML_ELEMENTS = ["secret", "password", "passphrase", "privateKey", "secretBytes", "token", "apiToken"];

function xmlDecode(s: string): string {
    return s
        .replace(/&lt;/g, "<")
        .replace(/&gt;/g, ">")
        .replace(/&quot;/g, '"')
        .replace(/&apos;/g, "'")
        .replace(/&#(\d+);/g, (_, n: string) => String.fromCodePoint(Number(n)))
        .replace(/&#x([0-9a-f]+);/gi, (_, n: string) => String.fromCodePoint(parseInt(n, 16)))
        .replace(/&amp;/g, "&");
}

/** Values of secret-bearing elements in an XML document (as written, and entity-decoded). */
export function secretsInXml(xml: string): string[] {
    const out: string[] = [];
    const names = SECRET_XML_ELEMENTS.join("|");
    for (const m of xml.matchAll(new RegExp(`<(${names})>([^<]+)</\\1>`, "g"))) out.push(m[2]!, xmlDecode(m[2]!));
    return out;
}

function secretsInJson(value: unknown, key = ""): string[] {
    if (typeof value === "string") return key && SECRET_FIELD.test(key) ? [value] : [];
    if (Array.isArray(value)) return value.flatMap((v) => secretsInJson(v, key));
    if (value && typeof value === "object") return Object.entries(value).flatMap(([k, v]) => secretsInJson(v, k));
    return [];
}

/**
 * Every secret a request carries, in each form a server might echo it back: credentials and session
 * values in its headers (Authorization, Cookie, a CSRF crumb), the values of secret fields in a JSON
 * or XML body, query values not shown in paths, and `req.secrets`. For "<scheme> <token>" values the
 * bare token too; for each, its URL- and JSON-escaped forms.
 */
export function requestSecrets(req: SecretCarrier): string[] {
    const found: string[] = [...(req.secrets ?? [])];
    for (const [name, value] of Object.entries(req.headers ?? {})) {
        if (!SECRET_HEADER.test(name)) continue;
        if (/^cookie$/i.test(name)) for (const c of value.split(";")) found.push(c.slice(c.indexOf("=") + 1).trim());
        else found.push(value);
    }
    for (const [k, v] of Object.entries(req.query ?? {})) if (!SHOWN_QUERY_KEYS.includes(k)) found.push(v);
    const body = req.body?.trim() ?? "";
    if (body.startsWith("<")) found.push(...secretsInXml(body));
    else if (body.startsWith("{") || body.startsWith("[")) {
        try {
            found.push(...secretsInJson(JSON.parse(body)));
        } catch {
            // not JSON after all
        }
    }
    const out = new Set<string>();
    for (const v of found) {
        const bare = /^[A-Za-z][\w-]*\s+(\S+)$/.exec(v)?.[1];
        for (const s of bare ? [v, bare] : [v]) {
            out.add(s);
            out.add(encodeURIComponent(s));
            out.add(JSON.stringify(s).slice(1, -1));
        }
    }
    return [...out].filter((s) => s.length >= 4);
}

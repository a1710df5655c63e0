// Rules only a preview can check: they read the program's own inputs (Helm values, the intent
// behind a PVC), which the cluster never sees in that form. Pure functions returning findings; the
// pack (pack.ts) wraps them as CrossGuard policies.
import { allContainers, getPath, items, prop, UNKNOWN, type Finding } from "./check";

/**
 * Marks a PVC that Pods on different nodes mount at the same time (the agents' workspace and build
 * cache): such a claim must be ReadWriteMany. Set by components/storage.ts (SharedStorage); a label
 * rather than an annotation so `kubectl get pvc -l cistack.dev/shared-across-nodes=true` lists them.
 */
export const SHARED_ACROSS_NODES_LABEL = "cistack.dev/shared-across-nodes";

// -------------------------------------------------------------------------------------------------
// The Kaniko principle: builds need neither a privileged container nor the node's container runtime.

export function privilegedFindings(spec: unknown): Finding[] {
    return allContainers(spec)
        .filter(({ container }) => getPath(container, ["securityContext", "privileged"]) === true)
        .map(({ at }) => ({ at, message: "privileged containers are not allowed (Kaniko builds images without them)" }));
}

/** Container runtime sockets: mounting one (or a directory above it) hands out root on the node. */
export const RUNTIME_SOCKETS: readonly string[] = [
    "/var/run/docker.sock",
    "/run/docker.sock",
    "/var/run/cri-dockerd.sock",
    "/run/containerd/containerd.sock",
    "/var/run/containerd/containerd.sock",
    // RKE2 / k3s run their own containerd here.
    "/run/k3s/containerd/containerd.sock",
    "/var/run/crio/crio.sock",
    "/run/crio/crio.sock",
];

function normalise(p: string): string {
    const s = p.replace(/\/+/g, "/").replace(/\/$/, "");
    return s === "" ? "/" : s;
}

export function isRuntimeSocketPath(path: string): boolean {
    const p = normalise(path);
    if (/(^|\/)(docker|containerd|crio|cri-dockerd)\.sock$/.test(p)) return true;
    return RUNTIME_SOCKETS.some((s) => s === p || s.startsWith(p === "/" ? "/" : `${p}/`));
}

export function runtimeSocketFindings(spec: unknown): Finding[] {
    const vols = items(spec, "volumes");
    if (vols === UNKNOWN) return [];
    const out: Finding[] = [];
    vols.forEach((v, i) => {
        const p = getPath(v, ["hostPath", "path"]);
        if (typeof p === "string" && isRuntimeSocketPath(p)) {
            const name = prop(v, "name");
            out.push({
                at: `spec.volumes[${i}]${typeof name === "string" ? ` (${name})` : ""}`,
                message: `hostPath ${p} exposes the container runtime socket (build with Kaniko, not the node's daemon)`,
            });
        }
    });
    return out;
}

// -------------------------------------------------------------------------------------------------
// Shared PVCs must be ReadWriteMany.

export function sharedPvcFindings(pvc: unknown): Finding[] {
    const marked = getPath(pvc, ["metadata", "labels", SHARED_ACROSS_NODES_LABEL]);
    if (marked !== "true") return [];
    const modes = getPath(pvc, ["spec", "accessModes"]);
    if (modes === UNKNOWN) return [];
    const list = Array.isArray(modes) ? (modes as unknown[]) : [];
    if (list.includes("ReadWriteMany")) return [];
    return [
        {
            at: "spec.accessModes",
            message:
                `the claim is labelled ${SHARED_ACROSS_NODES_LABEL}=true but its access modes are ` +
                `${JSON.stringify(list)}: Pods on other nodes cannot mount it (use ReadWriteMany, e.g. Longhorn RWX)`,
        },
    ];
}

// -------------------------------------------------------------------------------------------------
// No plaintext secrets in Helm values. The project's rule is existingSecret-style: a chart reads
// credentials from a Secret, never from values (which Helm stores in its release Secret and Pulumi
// in plaintext state). CrossGuard hands validateResource secret Outputs already unwrapped
// (@pulumi/policy 1.21 deserializeProperties(..., false)), so a secret Output in values looks the
// same as a literal here: both are reported, and `allowPaths` accepts a deliberate exception.
// Values unknown during preview (not yet created Outputs) are skipped, not guessed at.

/** Key names that hold a credential (matched against the last path segment, case-insensitive). */
const SENSITIVE_KEY = /(password|passwd|passphrase|secret|token|apikey|api[-_]key|secretkey|secret[-_]key|accesskey|access[-_]key|privatekey|private[-_]key|credentials?|clientsecret|client[-_]secret)$/i;
/** Key names that *name* a credential held elsewhere: references, not values. */
const REFERENCE_KEY = /(existingsecret|secretname|secretref|keyref|secretkeyref|passwordkey|userkey|usernamekey|tokenkey|key(name|ref)|file|path|mode|length|enabled|policy|type)$/i;

/** Credential formats recognised whatever the key is called. */
export const KNOWN_SECRET_PATTERNS: readonly { name: string; re: RegExp }[] = [
    { name: "a private key", re: /-----BEGIN ([A-Z]+ )?PRIVATE KEY-----/ },
    { name: "an AWS access key id", re: /\b(AKIA|ASIA)[0-9A-Z]{16}\b/ },
    { name: "a GitHub token", re: /\bgh[pousr]_[A-Za-z0-9]{36,}\b/ },
    { name: "a GitLab token", re: /\bglpat-[A-Za-z0-9_-]{20,}\b/ },
    { name: "a Slack token", re: /\bxox[abposr]-[A-Za-z0-9-]{10,}\b/ },
    { name: "a JSON Web Token", re: /\beyJ[A-Za-z0-9_-]{8,}\.eyJ[A-Za-z0-9_-]{8,}\.[A-Za-z0-9_-]{8,}/ },
    { name: "credentials in a URL", re: /[a-z][a-z0-9+.-]*:\/\/[^/\s:@]+:[^/\s@]+@/i },
];

/** Shannon entropy in bits per character. */
export function entropy(s: string): number {
    const counts = new Map<string, number>();
    for (const ch of s) counts.set(ch, (counts.get(ch) ?? 0) + 1);
    let h = 0;
    for (const n of counts.values()) {
        const p = n / s.length;
        h -= p * Math.log2(p);
    }
    return h;
}

/**
 * A random-looking token: long, one word of base64/hex-ish characters, upper and lower case and
 * digits mixed, and high entropy (random base64 of 20+ characters sits above 4 bits/char; words,
 * image names and resource names sit well below).
 */
export function looksRandom(s: string): boolean {
    return s.length >= 20 && /^[A-Za-z0-9+/=_-]+$/.test(s) && /[a-z]/.test(s) && /[A-Z]/.test(s) && /[0-9]/.test(s) && entropy(s) >= 4;
}

/** Template placeholders (Helm `{{ }}`, JCasC/shell `${…}`, JCasC's escaped `^${…}`) and empty values are not secrets. */
function isPlaceholder(s: string): boolean {
    const t = s.trim();
    return t === "" || /^\{\{.*\}\}$/.test(t) || /^\^?\$\{.*\}$/.test(t);
}

function isLiteralCredential(key: string, value: string): boolean {
    // Booleans, numbers and block-scalar indicators (`automountServiceAccountToken: false`, `password: |`) are not credentials.
    const scalar = /^(true|false|yes|no|on|off|null|~|-?\d+(\.\d+)?|[|>][-+]?)$/i.test(value.trim());
    return SENSITIVE_KEY.test(key) && !REFERENCE_KEY.test(key) && !isPlaceholder(value) && !scalar;
}

export interface ValueFinding extends Finding {
    /** Dotted path in the values, e.g. `gitea.admin.password`. */
    readonly path: string;
}

export function secretValueFindings(values: unknown, allowPaths: readonly string[] = []): ValueFinding[] {
    const out: ValueFinding[] = [];
    const walk = (v: unknown, path: string[]): void => {
        if (v === UNKNOWN || v === undefined || v === null) return;
        const dotted = path.join(".");
        if (allowPaths.includes(dotted)) return;
        if (Array.isArray(v)) {
            for (let i = 0; i < v.length; i++) walk(prop(v, String(i)), [...path, String(i)]);
            return;
        }
        if (typeof v === "object") {
            for (const k of Object.keys(v)) walk(prop(v, k), [...path, k]);
            return;
        }
        if (typeof v !== "string" || isPlaceholder(v)) return;
        const key = [...path].reverse().find((k) => !/^\d+$/.test(k)) ?? "";
        const known = KNOWN_SECRET_PATTERNS.find((p) => p.re.test(v));
        const add = (why: string, where = ""): void => {
            out.push({ at: `values.${dotted}${where}`, path: dotted, message: `${why}; put it in a Secret and point the chart at it (existingSecret-style)` });
        };
        if (known) return add(`looks like ${known.name}`);
        if (v.includes("\n")) {
            // A document (a JCasC script, a config file): judge its `key: value` lines instead, so
            // `password: ${jenkins-admin-password}` passes and `password: hunter2` does not.
            v.split("\n").forEach((line, i) => {
                const m = /^\s*(?:-\s+)?["']?([A-Za-z0-9_.-]+)["']?\s*[:=]\s*["']?([^"'\s#]+)["']?\s*$/.exec(line);
                if (m && isLiteralCredential(m[1]!, m[2]!)) add(`key "${m[1]!}" names a credential and holds a literal value`, ` (line ${i + 1})`);
            });
            return;
        }
        if (isLiteralCredential(key, v)) return add(`key "${key}" names a credential and holds a literal value`);
        if (looksRandom(v)) return add("is a high-entropy token");
    };
    walk(values, []);
    return out;
}

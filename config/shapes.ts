// Value shapes of the stack configuration: the zod schemas and parsers the key table (keys.ts)
// is built from. Each rule says where the peer that would refuse the value defines it.
import { z } from "zod";

// ---------------------------------------------------------------------------------------------
// Value shapes

const DNS1123_LABEL = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?$/;
const DNS1123_SUBDOMAIN = /^[a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*$/;
// Kubernetes resource.Quantity (k8s.io/apimachinery/pkg/api/resource): sign, number, suffix.
const QUANTITY = /^[+-]?(\d+(\.\d*)?|\.\d+)(Ki|Mi|Gi|Ti|Pi|Ei|n|u|m|k|M|G|T|P|E|[eE][+-]?\d+)?$/;
const HOST = /^(\[[0-9a-fA-F:]+\]|[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?(\.[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?)*)$/;
const PLUGIN = /^[A-Za-z0-9][A-Za-z0-9._-]*(:[A-Za-z0-9][A-Za-z0-9._+-]*)?$/;
const SEMVER = /^v?\d+\.\d+\.\d+([-+][0-9A-Za-z.-]+)?$/;
// A taint key: optional DNS subdomain prefix, then a name segment (RKE2/kubectl syntax).
const TAINT_KEY = /^([a-z0-9]([-a-z0-9]*[a-z0-9])?(\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*\/)?[A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?$/;
const LABEL_VALUE = /^([A-Za-z0-9]([-A-Za-z0-9_.]*[A-Za-z0-9])?)?$/;
const EFFECTS = ["NoSchedule", "PreferNoSchedule", "NoExecute"] as const;

export const dnsLabel = z
    .string()
    .max(63, "must be at most 63 characters (DNS-1123 label)")
    .regex(DNS1123_LABEL, "must be a DNS-1123 label: lower-case letters, digits and '-', starting and ending alphanumeric");

export const dnsSubdomain = z
    .string()
    .max(253, "must be at most 253 characters (DNS-1123 subdomain)")
    .regex(DNS1123_SUBDOMAIN, "must be a DNS-1123 subdomain: lower-case alphanumerics, '-' and '.'");

export const quantity = z.string().regex(QUANTITY, "must be a Kubernetes quantity such as 500m, 1, 512Mi or 10Gi");

export const nodePort = z
    .number()
    .int("must be an integer")
    .min(30000, "must be a NodePort in 30000-32767 (the API server's default service-node-port-range)")
    .max(32767, "must be a NodePort in 30000-32767 (the API server's default service-node-port-range)");

export const host = z.string().regex(HOST, "must be a host name or IP address");

export const hostPort = z.string().refine((s) => {
    const m = /^(.*?)(?::(\d{1,5}))?$/.exec(s);
    if (!m || !HOST.test(m[1]!)) return false;
    return m[2] === undefined || (Number(m[2]) >= 1 && Number(m[2]) <= 65535);
}, "must be host[:port] with no scheme or path, e.g. 10.0.24.28:30002");

export const chartRepo = z.string().refine((s) => {
    if (s.startsWith("oci://")) return s.length > "oci://".length;
    try {
        const u = new URL(s);
        return u.protocol === "https:" || u.protocol === "http:";
    } catch {
        return false;
    }
}, "must be an http(s):// or oci:// chart repository URL");

export const chartVersion = z.string().regex(SEMVER, "must be an exact chart version such as 5.9.53 (no ranges: upgrades are deliberate)");

/**
 * An image reference with an explicit tag or digest that is not `latest` — the same rule the
 * disallow-latest-tag policy enforces in the cluster, applied before anything is deployed.
 */
export function imageProblem(ref: string): string | undefined {
    if (ref.trim() !== ref || ref.length === 0 || /\s/.test(ref)) return "must be an image reference without spaces";
    if (ref.includes("@sha256:")) return /@sha256:[0-9a-f]{64}$/.test(ref) ? undefined : "has a malformed sha256 digest";
    const lastSlash = ref.lastIndexOf("/");
    const colon = ref.indexOf(":", lastSlash + 1);
    if (colon < 0) return "must carry an explicit tag or digest (an untagged image means :latest)";
    const tag = ref.slice(colon + 1);
    if (!/^[A-Za-z0-9_][A-Za-z0-9_.-]{0,127}$/.test(tag)) return `has an invalid tag "${tag}"`;
    if (tag === "latest") return "must not use the :latest tag (pin a version)";
    return undefined;
}

export const image = z.string().superRefine((s, ctx) => {
    const p = imageProblem(s);
    if (p) ctx.addIssue({ code: "custom", message: p });
});

export interface Toleration {
    readonly key?: string;
    readonly operator: "Exists" | "Equal";
    readonly value?: string;
    readonly effect?: (typeof EFFECTS)[number];
}

/**
 * Tolerations use the taint syntax of `kubectl taint` and RKE2's `node-taint`, because Pulumi's
 * project config can declare arrays of strings but not of objects:
 * `*` (tolerate every taint, the seed's `operator: Exists`), `*:NoSchedule`, `key`, `key:Effect`,
 * `key=value:Effect`.
 */
export function parseToleration(s: string): Toleration | string {
    const m = /^([^=:]+)(?:=([^:]*))?(?::(.+))?$/.exec(s);
    if (!m) return `"${s}" is not a toleration (use *, key, key:Effect or key=value:Effect)`;
    const [, key, value, effect] = m as unknown as [string, string, string | undefined, string | undefined];
    if (effect !== undefined && !(EFFECTS as readonly string[]).includes(effect)) {
        return `"${s}": effect must be one of ${EFFECTS.join(", ")}`;
    }
    const eff = effect as Toleration["effect"];
    if (key === "*") {
        if (value !== undefined) return `"${s}": a wildcard toleration cannot carry a value`;
        return { operator: "Exists", ...(eff ? { effect: eff } : {}) };
    }
    if (!TAINT_KEY.test(key) || key.length > 316) return `"${s}": "${key}" is not a valid taint key`;
    if (value === undefined) return { key, operator: "Exists", ...(eff ? { effect: eff } : {}) };
    if (!LABEL_VALUE.test(value) || value.length > 63) return `"${s}": "${value}" is not a valid taint value`;
    return { key, operator: "Equal", value, ...(eff ? { effect: eff } : {}) };
}

export const toleration = z.string().transform((s, ctx) => {
    const t = parseToleration(s);
    if (typeof t === "string") {
        ctx.addIssue({ code: "custom", message: t });
        return z.NEVER;
    }
    return t;
});

// The jenkins chart's own plugin set (controller.installPlugins in chart 5.9.53). Pinning one of
// these alone breaks the chart's tested dependency closure ("unresolvable dependencies" at boot).
export const CHART_CORE_PLUGINS = ["kubernetes", "workflow-aggregator", "git", "configuration-as-code"] as const;

export const plugin = z.string().regex(PLUGIN, "must be a plugin id, optionally pinned as id:version");

export const uniqueStrings = <T extends z.ZodType<string>>(item: T) =>
    z.array(item).superRefine((xs, ctx) => {
        const seen = new Set<string>();
        xs.forEach((x, i) => {
            if (seen.has(x)) ctx.addIssue({ code: "custom", path: [i], message: `duplicate entry "${x}"` });
            seen.add(x);
        });
    });

// Host names and URLs: the node address the external URLs are built on, and chart repositories.
import { isIPv4, isIPv6 } from "node:net";
import { z } from "zod";
import { CONTROL, REDACT, checked, type Problem } from "./common";
import { parseImageRef } from "./images";

const DNS_LABEL = /^[A-Za-z0-9]([-A-Za-z0-9]*[A-Za-z0-9])?$/;

/**
 * The host part of a URL (RFC 3986 section 3.2.2): an IPv4 address, an IPv6 address in brackets
 * (as in every URL the stack builds from it: http://<host>:<port>), or a DNS name (RFC 1123: labels
 * of letters, digits and '-', at most 63 each, 253 in all). A last label of digits only is not a
 * name (RFC 3696 section 2): URL parsers read "10.0.24" as an IPv4 address, so it must be one.
 */
export const hostProblem: Problem = (s) => {
    if (s.startsWith("[") && s.endsWith("]")) return isIPv6(s.slice(1, -1)) && !s.includes("%") ? undefined : `${s} is not an IPv6 address`;
    if (isIPv6(s)) return `an IPv6 address goes in brackets, as in a URL: [${s}]`;
    if (isIPv4(s)) return undefined;
    const labels = s.split(".");
    if (s.length === 0 || s.length > 253 || !labels.every((l) => l.length <= 63 && DNS_LABEL.test(l))) {
        return "must be an IPv4 address, a bracketed IPv6 address or a DNS name (letters, digits, '-' and '.'; no scheme, port or path)";
    }
    if (/^\d+$/.test(labels[labels.length - 1]!)) return `"${s}" is not an IPv4 address, and a DNS name cannot end in a numeric label`;
    return undefined;
};

export const host = checked(hostProblem);

/** user:password@ (or user@) replaced, so a message can show where the URL points and nothing else. */
export const redactUserInfo = (url: string) => url.replace(/^([a-z][a-z0-9+.-]*:\/\/).*@/i, "$1***@");

const CREDENTIALS_HELP =
    "credentials do not belong in a chart repository URL: the URL is plain config, shown in previews and kept in the Helm release's state. " +
    "Use a mirror that needs none, or an oci:// registry after `helm registry login <host>` (the Helm release reads Helm's registry config); " +
    "and change that credential, since the stack file held it in plaintext";

/**
 * A Helm chart repository: an http(s) repository (Helm fetches <url>/index.yaml, helm/helm
 * pkg/repo/chartrepo.go) or an OCI registry `oci://<host>[:port]/<path>` (helm/helm pkg/registry,
 * reference grammar as for images). Never with credentials in it, never with whitespace (which
 * URL parsers trim or percent-encode silently, so the URL used would not be the one written).
 */
export const chartRepoProblem: Problem = (s) => {
    if (hasUserInfo(s) || /^[a-z][a-z0-9+.-]*:\/\/[^@]*:[^@]*@/i.test(s)) return `${redactUserInfo(s)}: ${CREDENTIALS_HELP}`;
    if (/\s/.test(s) || CONTROL.test(s)) return "must not contain whitespace or control characters";
    const oci = /^oci:\/\/(.*)$/i.exec(s);
    if (oci) {
        const rest = oci[1]!;
        const trimmed = rest.replace(/\/+$/, "");
        const r = parseImageRef(trimmed.includes("/") ? trimmed : `${trimmed}/x`);
        if (typeof r === "string" || r.domain === undefined || r.tag !== undefined) return "must be oci://<registry host>[:port]/<path> (lower-case path, no tag)";
        return undefined;
    }
    let u: URL;
    try {
        u = new URL(s);
    } catch {
        return "must be an http(s):// or oci:// chart repository URL";
    }
    if (u.protocol !== "https:" && u.protocol !== "http:") return "must be an http(s):// or oci:// chart repository URL";
    if (u.username || u.password) return `${redactUserInfo(s)}: ${CREDENTIALS_HELP}`;
    if (!u.hostname) return "must name a host";
    return undefined;
};

/** Whether a URL carries user info (`user:password@` or `token@`) before its host. */
export const hasUserInfo = (s: string) => /^[a-z][a-z0-9+.-]*:\/\/[^/?#]*@/i.test(s.trim());

// The value is left out of the message (REDACT) whenever it has an '@' anywhere: a password with an
// unencoded '/' would not even parse as user info, and must not be echoed either.
export const chartRepo = z.string().superRefine((s, ctx) => {
    const p = chartRepoProblem(s);
    if (p) ctx.addIssue({ code: "custom", message: s.includes("@") && !p.includes("***@") ? `${p} (value not shown: it contains '@')` : p, ...(s.includes("@") ? { params: REDACT } : {}) });
});

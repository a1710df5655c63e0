// Image references and registry names, following the OCI distribution reference grammar as
// distribution/reference v0.6.0 writes it (reference.go's grammar, regexp.go, normalize.go), which
// containerd, the kubelet and go-containerregistry (Kaniko) all parse images with:
//
//   reference := name [ ":" tag ] [ "@" digest ]      name := [domain '/'] path
//   domain    := host [':' port]                      host := domain-name | IPv4 | '[' IPv6 ']'
//   path      := component ['/' component]*           component := [a-z0-9]+ (separator [a-z0-9]+)*
//   separator := [_.] | __ | [-]+                     tag := [\w][\w.-]{0,127}
import { isIPv4, isIPv6 } from "node:net";
import type { Problem } from "./common";

const DOMAIN_COMPONENT = "(?:[a-zA-Z0-9]|[a-zA-Z0-9][a-zA-Z0-9-]*[a-zA-Z0-9])";
const DOMAIN_NAME = `${DOMAIN_COMPONENT}(?:\\.${DOMAIN_COMPONENT})*`;
const IPV6_LITERAL = "\\[[a-fA-F0-9:]+\\]";
const DOMAIN = `(?:${DOMAIN_NAME}|${IPV6_LITERAL})(?::[0-9]+)?`;
const COMPONENT = "[a-z0-9]+(?:(?:[._]|__|[-]+)[a-z0-9]+)*";
const PATH = `${COMPONENT}(?:/${COMPONENT})*`;
const TAG = /^[\w][\w.-]{0,127}$/;
const DOMAIN_RE = new RegExp(`^${DOMAIN}$`);
const PATH_RE = new RegExp(`^${PATH}$`);
const COMPONENT_RE = new RegExp(`^${COMPONENT}$`);
// reference.go RepositoryNameTotalLengthMax: domain and path together.
export const NAME_TOTAL_LENGTH_MAX = 255;
// The digests the runtimes accept are go-digest's registered algorithms, lower-case hex of the
// algorithm's length (opencontainers/go-digest algorithm.go: sha256, sha384, sha512).
const DIGESTS: Record<string, number> = { sha256: 64, sha384: 96, sha512: 128 };

export interface ImageRef {
    /** Registry host[:port]; undefined for a Docker Hub short name. */
    readonly domain?: string;
    readonly path: string;
    readonly tag?: string;
    readonly digest?: string;
}

/**
 * Whether the first component of a name is a registry: normalize.go splitDockerDomain (and
 * go-containerregistry pkg/name/repository.go) take it as one only if it contains '.' or ':', is
 * `localhost`, or has upper case. Otherwise `harbor/project/app` means docker.io/harbor/project/app.
 */
export const looksLikeRegistry = (first: string) => /[.:]/.test(first) || first === "localhost" || first.toLowerCase() !== first;

/** A registry host[:port] as a reference's domain, with the port in range and a real IP where it is one. */
export const registryHostProblem: Problem = (s) => {
    if (/^[a-z][a-z0-9+.-]*:\/\//i.test(s)) return "must be host[:port] without a scheme, e.g. 10.0.24.28:30002";
    if (s.includes("/")) return "must be host[:port] without a path, e.g. 10.0.24.28:30002";
    if (!DOMAIN_RE.test(s)) {
        if (isIPv6(s)) return "an IPv6 address goes in brackets, as in an image reference: [fd00::1]:5000";
        return "must be host[:port]: a DNS name, an IPv4 address or a bracketed IPv6 address, e.g. 10.0.24.28:30002";
    }
    const m = /^(\[[^\]]+\]|[^:]+)(?::(\d+))?$/.exec(s)!;
    const host = m[1]!;
    if (host.startsWith("[") && !isIPv6(host.slice(1, -1))) return `${host} is not an IPv6 address`;
    if (/^\d+$/.test(host.split(".").pop()!) && !isIPv4(host)) return `${host} is not an IPv4 address (and a name cannot end in a numeric label)`;
    if (m[2] !== undefined && (Number(m[2]) < 1 || Number(m[2]) > 65535)) return `port ${m[2]} is not in 1-65535`;
    if (!looksLikeRegistry(s)) return `"${s}" would be read as a Docker Hub namespace (docker.io/${s}/…): a registry host needs a '.', a port or to be localhost`;
    return undefined;
};

/** One repository path component (a Harbor project or an image name inside it). */
export const repositoryComponentProblem: Problem = (s) =>
    COMPONENT_RE.test(s) ? undefined : "must be a repository path component: lower-case letters and digits, separated by '.', '_', '__' or '-'";

/**
 * A Harbor project name: goharbor/harbor src/server/v2.0/handler/project.go (validateProjectReq:
 * `^[a-z0-9]+(?:[._-][a-z0-9]+)*$`, 1-255 characters), a stricter subset of a path component.
 */
export const harborProjectProblem: Problem = (s) =>
    s.length > 255 ? "must be at most 255 characters (Harbor project name)"
    : /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(s) ? undefined
    : "must be a Harbor project name: lower-case letters and digits, single '.', '_' or '-' between them";

/** Parses a reference, or says what is wrong with it. */
export function parseImageRef(ref: string): ImageRef | string {
    if (ref.length === 0 || /\s/.test(ref)) return "must be an image reference without spaces";
    let rest = ref;
    let digest: string | undefined;
    const at = rest.indexOf("@");
    if (at >= 0) {
        digest = rest.slice(at + 1);
        rest = rest.slice(0, at);
    }
    const slash = rest.indexOf("/");
    let domain: string | undefined;
    if (slash >= 0 && looksLikeRegistry(rest.slice(0, slash))) {
        domain = rest.slice(0, slash);
        rest = rest.slice(slash + 1);
    }
    let tag: string | undefined;
    const colon = rest.lastIndexOf(":");
    if (colon >= 0) {
        tag = rest.slice(colon + 1);
        rest = rest.slice(0, colon);
    }
    if (domain !== undefined && !DOMAIN_RE.test(domain)) return `has an invalid registry "${domain}"`;
    if (rest.toLowerCase() !== rest) return `repository "${rest}" must be lower case (distribution/reference: "repository name must be lowercase")`;
    if (!PATH_RE.test(rest)) return `has an invalid repository path "${rest}"`;
    if ((domain ? domain.length + 1 : 0) + rest.length > NAME_TOTAL_LENGTH_MAX) return `repository name is longer than ${NAME_TOTAL_LENGTH_MAX} characters`;
    if (tag !== undefined && !TAG.test(tag)) return `has an invalid tag "${tag}"`;
    if (digest !== undefined) {
        const [alg = "", hex = ""] = digest.split(":");
        const len = DIGESTS[alg];
        if (len === undefined || !new RegExp(`^[a-f0-9]{${len}}$`).test(hex)) return "has a malformed digest (sha256, sha384 or sha512 with its lower-case hex)";
    }
    return { ...(domain !== undefined ? { domain } : {}), path: rest, ...(tag !== undefined ? { tag } : {}), ...(digest !== undefined ? { digest } : {}) };
}

/**
 * An image reference pinned by an explicit tag or a digest, never `latest` — the same rule the
 * disallow-latest-tag policy enforces in the cluster, applied before anything is deployed (a digest
 * pins the image whatever its tag says).
 */
export function imageProblem(ref: string): string | undefined {
    const r = parseImageRef(ref);
    if (typeof r === "string") return r;
    if (r.digest !== undefined) return undefined;
    if (r.tag === undefined) return "must carry an explicit tag or digest (an untagged image means :latest)";
    if (r.tag === "latest") return "must not use the :latest tag (pin a version)";
    return undefined;
}

/**
 * The Kaniko executor image must be a debug variant: the agent Pod keeps the container alive with
 * /busybox/cat, which only those ship. Kaniko publishes them under tags `debug`, `debug-<v>` and
 * `<v>-debug` (GoogleContainerTools/kaniko deploy/cloudbuild-release.yaml), so it is the *tag* that
 * says so, not the repository path.
 */
export function kanikoImageProblem(ref: string): string | undefined {
    const p = imageProblem(ref);
    if (p) return p;
    const r = parseImageRef(ref) as ImageRef;
    if (r.tag === undefined) return "must name its tag (name:tag@digest): only the tag shows a debug variant, which the pipeline needs for /busybox/cat";
    if (!/(^|[-_.])debug([-_.]|$)/.test(r.tag)) return `tag "${r.tag}" is not a debug variant (debug, debug-<v>, <v>-debug): the pipeline runs /busybox/cat in it`;
    return undefined;
}

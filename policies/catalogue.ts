// The rule catalogue: every Pod rule defined ONCE, as data. The TypeScript checker (check.ts), the
// Kyverno ClusterPolicy rendering and the CEL ValidatingPolicy rendering (kyverno.ts) are all derived
// from these definitions, so the in-cluster audit and the pull-request check cannot drift apart.
//
// This folder is also the Pulumi policy pack (its own package.json and node_modules): modules here
// import nothing outside policies/ and nothing from @pulumi/* at run time (types only), so the
// project's tests and the pack process can both load them.

export type Severity = "low" | "medium" | "high" | "critical";
export type PackEnforcement = "advisory" | "mandatory" | "disabled";

/** The Pod's container lists; `containers` is required by the API, the others are optional. */
export type ContainerList = "containers" | "initContainers" | "ephemeralContainers";

/**
 * One declarative check on a value found by `path` below the subject (the Pod, or each container).
 * Regexes are RE2-compatible (Kyverno's Go engine and CEL's `matches` use RE2) and, so they can sit
 * inside a JMESPath raw string and a CEL string literal unescaped, contain no quote, backslash or brace.
 */
export type Assertion =
    /** The value exists and is not empty. */
    | { readonly kind: "present"; readonly path: readonly string[]; readonly message: string }
    /** The value is a string matching `regex` (a missing value fails). */
    | { readonly kind: "matches"; readonly path: readonly string[]; readonly regex: string; readonly message: string }
    /** The value, when present, does not match `regex`. */
    | { readonly kind: "notMatches"; readonly path: readonly string[]; readonly regex: string; readonly message: string };

/** What the assertions are evaluated on. */
export type Subject =
    | { readonly kind: "pod" }
    | { readonly kind: "containers"; readonly lists: readonly ContainerList[] };

export interface PodRule {
    /** Policy name: the ClusterPolicy/ValidatingPolicy metadata.name and the pack policy name. Stable. */
    readonly name: string;
    /** The Kyverno rule inside the ClusterPolicy; Kyverno derives `autogen-<rule>` and `autogen-cronjob-<rule>`. */
    readonly ruleName: string;
    readonly title: string;
    readonly description: string;
    readonly category: string;
    readonly severity: Severity;
    /** How the Pulumi policy pack enforces it by default (Kyverno always audits). */
    readonly packEnforcement: PackEnforcement;
    /** One-line message for the Kyverno rule as a whole. */
    readonly message: string;
    readonly subject: Subject;
    readonly assertions: readonly Assertion[];
}

/** The label this project standardises on (see README, "Policies"). */
export const APP_LABEL = "app.kubernetes.io/name";

// An image reference that pins a version: `name:tag`, `name@sha256:…` or both; an optional
// registry (with port) and path in front. `registry:5000/app` has no tag: the colon belongs to the
// host, which `*:*`-style wildcards (kyverno/policies' disallow-latest-tag) get wrong.
export const PINNED_IMAGE = "^([^/]+/)*[^/:@]+(:[A-Za-z0-9_][A-Za-z0-9_.-]*(@sha256:[0-9a-f]+)?|@sha256:[0-9a-f]+)$";
// `:latest` as the tag of an image with no digest (a digest pins the image whatever the tag says).
export const LATEST_TAG = ":latest$";

export const requireResources: PodRule = {
    name: "require-resources",
    ruleName: "require-container-requests",
    title: "Require CPU and memory requests",
    description:
        "Every container, init containers included, declares CPU and memory requests, so the scheduler " +
        "can place build Pods and the node cannot be overcommitted by them. Ephemeral containers are " +
        "left out: the API forbids resources on them.",
    category: "Best Practices",
    severity: "medium",
    packEnforcement: "mandatory",
    message: "CPU and memory requests are required on every container and init container.",
    subject: { kind: "containers", lists: ["containers", "initContainers"] },
    assertions: [
        { kind: "present", path: ["resources", "requests", "cpu"], message: "resources.requests.cpu is required" },
        { kind: "present", path: ["resources", "requests", "memory"], message: "resources.requests.memory is required" },
    ],
};

export const disallowLatestTag: PodRule = {
    name: "disallow-latest-tag",
    ruleName: "require-pinned-image",
    title: "Disallow the latest tag",
    description:
        "Every image names an explicit tag (or digest) that is not `latest`: an untagged or `:latest` " +
        "image changes under a running workload and makes builds unreproducible.",
    category: "Best Practices",
    severity: "medium",
    packEnforcement: "mandatory",
    message: "Images need an explicit tag or digest, and the tag must not be 'latest'.",
    subject: { kind: "containers", lists: ["containers", "initContainers", "ephemeralContainers"] },
    assertions: [
        { kind: "matches", path: ["image"], regex: PINNED_IMAGE, message: "the image needs an explicit tag or digest" },
        { kind: "notMatches", path: ["image"], regex: LATEST_TAG, message: "the image must not use the mutable 'latest' tag" },
    ],
};

export const requireAppLabel: PodRule = {
    name: "require-app-label",
    ruleName: "require-app-name-label",
    title: "Require the app.kubernetes.io/name label",
    description:
        "Pods carry the recommended `app.kubernetes.io/name` label (not the legacy `app`), which Helm " +
        "charts already set and reports, selectors and dashboards group by.",
    category: "Best Practices",
    severity: "low",
    packEnforcement: "advisory",
    message: "The label app.kubernetes.io/name is required.",
    subject: { kind: "pod" },
    assertions: [{ kind: "present", path: ["metadata", "labels", APP_LABEL], message: `the label ${APP_LABEL} is required` }],
};

/** The whole catalogue, in the order policies are rendered. */
export const CATALOGUE: readonly PodRule[] = [requireResources, disallowLatestTag, requireAppLabel];

/** Kyverno's names for the rules it generates from a Pod rule for the Pod controllers. */
export function autogenRuleNames(rule: PodRule): string[] {
    return [rule.ruleName, `autogen-${rule.ruleName}`, `autogen-cronjob-${rule.ruleName}`];
}

// Runs a CrossGuard ResourceValidationPolicy the way the analyzer does (@pulumi/policy 1.21
// server.js): props wrapped in its unknown-checking proxy, config from the policy's configSchema
// defaults overlaid with `config`, violations collected instead of sent over gRPC, and
// `args.notApplicable(reason)` recorded as the analyzer records it (a reason, no violation).
import type { ResourceValidationArgs, ResourceValidationPolicy } from "@pulumi/policy";

// Marked @internal in the package's typings, so loaded untyped.
const proxy = require("@pulumi/policy/proxy") as { unknownCheckingProxy<T>(v: T): T; unknownStringValue: string };

/** The sentinel CrossGuard uses for a string unknown during preview. */
export const UNKNOWN_STRING: unknown = proxy.unknownStringValue;

export interface Violation {
    readonly policy: string;
    readonly enforcementLevel: string;
    readonly message: string;
}

function defaults(policy: ResourceValidationPolicy): Record<string, unknown> {
    const props = policy.configSchema?.properties ?? {};
    return Object.fromEntries(Object.entries(props).filter(([, s]) => s.default !== undefined).map(([k, s]) => [k, s.default]));
}

/** What `args.notApplicable(reason)` throws (server.js NotApplicableError); the analyzer records the reason, no violation. */
class NotApplicable extends Error {
    constructor(readonly reason: string | undefined) {
        super(reason ?? "Policy does not apply");
    }
}

export interface PolicyResult {
    readonly violations: Violation[];
    /** Reasons given through `args.notApplicable` (the analyzer's NotApplicable list). */
    readonly notApplicable: string[];
}

export async function runPolicy(
    policy: ResourceValidationPolicy,
    resource: { type: string; name?: string; props: Record<string, unknown> },
    config: Record<string, unknown> = {},
): Promise<Violation[]> {
    return (await runPolicyDetailed(policy, resource, config)).violations;
}

export async function runPolicyDetailed(
    policy: ResourceValidationPolicy,
    resource: { type: string; name?: string; props: Record<string, unknown> },
    config: Record<string, unknown> = {},
): Promise<PolicyResult> {
    const out: Violation[] = [];
    const notApplicable: string[] = [];
    const level = (config.enforcementLevel as string | undefined) ?? policy.enforcementLevel ?? "advisory";
    if (level === "disabled") return { violations: out, notApplicable };
    const name = resource.name ?? "r";
    const props: Record<string, any> = proxy.unknownCheckingProxy(resource.props);
    const args: ResourceValidationArgs = {
        type: resource.type,
        props,
        urn: `urn:pulumi:dev::ci-stack::${resource.type}::${name}`,
        name,
        opts: { protect: false, ignoreChanges: [], aliases: [], additionalSecretOutputs: [], customTimeouts: { createSeconds: 0, updateSeconds: 0, deleteSeconds: 0 } },
        stackTags: new Map(),
        isType: () => false,
        asType: () => undefined,
        getConfig: <T extends object>() => ({ ...defaults(policy), ...config }) as T,
        notApplicable: (reason?: string) => {
            throw new NotApplicable(reason);
        },
    };
    const validations = policy.validateResource === undefined ? [] : Array.isArray(policy.validateResource) ? policy.validateResource : [policy.validateResource];
    for (const v of validations) {
        try {
            await v(args, (message) => out.push({ policy: policy.name, enforcementLevel: level, message }));
        } catch (e) {
            if (!(e instanceof NotApplicable)) throw e;
            notApplicable.push(e.reason ?? "");
        }
    }
    return { violations: out, notApplicable };
}

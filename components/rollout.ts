// Rolling a Helm release's Pods when a Secret it reads changes. Neither chart does it: the jenkins
// chart checksums only its own config.yaml into the pod template (charts/jenkins/templates/
// jenkins-controller-statefulset.yaml, chart 5.9.53), the gitea chart only its inline config; and
// what reads the Secrets reads them only when the Pod starts — JCasC resolves ${…} secret files
// only when a configuration is applied (configuration-as-code-plugin DockerSecretSource), the reload
// sidecar watches ConfigMaps, not Secrets, and Gitea sets the admin password in its init container
// (gitea chart templates/gitea/init.yaml, configure_admin_user). So a rotated password changed only
// the Secret, and the seed got 401 from a controller still on the old one.
//
// The fix is an annotation on the pod template whose value changes with the Secrets: a salted digest.
// Salted with a per-stack random key (HMAC), so the annotation — readable by anyone who may `get pods`,
// and shown in previews — tells nothing about the secrets, not even whether a weak password is a
// guessed one; hex, so the high-entropy Helm-values rule (policies/previewRules.ts) does not mistake it
// for a token.
import { createHmac } from "node:crypto";
import * as pulumi from "@pulumi/pulumi";
import * as random from "@pulumi/random";

/**
 * The pod-template annotation that carries the digest. Its value is placed in the Helm values as an
 * Output of its own, never resolved inside the apply that builds the rest: on a new stack the salt
 * (a RandomPassword) and generated passwords are unknown at the first `pulumi preview`, and an
 * unknown argument of that apply made the whole `values` unknown — the policy pack then judged
 * nothing in them. As a nested Output only this leaf is unknown: @pulumi/pulumi serializes a
 * resource input by recursing into resolved values (runtime/rpc.ts serializeProperty), so an
 * Output inside an apply's result is sent as its own (unknown or known) property, with its
 * dependencies.
 */
export const ROLLOUT_ANNOTATION = "ci-stack/secrets-rollout";

/**
 * Pure: HMAC-SHA256 of the named secret values under `salt`, hex, first 32 characters (128 bits).
 * The same secrets give the same digest (no roll on a re-run); any change gives another.
 */
export function rolloutDigest(salt: string, secrets: Readonly<Record<string, string>>): string {
    if (salt.length < 16) throw new Error("rolloutDigest: the salt must be at least 16 characters");
    const hmac = createHmac("sha256", salt);
    for (const k of Object.keys(secrets).sort()) hmac.update(`${k}\0${secrets[k]!}\0`);
    return hmac.digest("hex").slice(0, 32);
}

/**
 * The salted digest of `secrets` (secret Outputs), computed inside their Output chain. The result is
 * deliberately not marked secret: an HMAC under a random key the state keeps secret reveals nothing
 * of its inputs, and a secret anywhere in a release's values would hide every value change from
 * `pulumi preview` (the whole `values` Output becomes secret).
 */
export function secretsDigest(name: string, parent: pulumi.Resource, secrets: Record<string, pulumi.Input<string>>): pulumi.Output<string> {
    const salt = new random.RandomPassword(`${name}-rollout-salt`, { length: 32, special: false }, { parent }).result;
    const keys = Object.keys(secrets).sort();
    const inputs: pulumi.Input<string>[] = [salt, ...keys.map((k) => secrets[k]!)];
    const digest = pulumi.all(inputs).apply(([s, ...values]) => rolloutDigest(s!, Object.fromEntries(keys.map((k, i) => [k, values[i]!]))));
    return pulumi.unsecret(digest);
}

// What a smoke run needs to know, in ONE table shared by its three users: the Smoke component (which
// hands it to the script as the command's environment), the script (which reads it back from its
// environment), and `npm run smoke` (which reads it from the stack outputs `smokeTarget` and, for the
// secret fields, `smokeCredentials`). Secrets travel only as environment variables or secret stack
// outputs — never argv, never the JSON line the script prints.

/** One field: its stack-output key, its environment variable, whether it is a secret. */
export interface TargetField {
    readonly key: keyof SmokeTargetValues;
    readonly env: string;
    readonly secret: boolean;
    readonly description: string;
}

export interface SmokeTargetValues {
    giteaUrl: string;
    giteaUsername: string;
    giteaPassword: string;
    appOwner: string;
    appRepo: string;
    branch: string;
    jenkinsUrl: string;
    jenkinsUsername: string;
    jenkinsPassword: string;
    job: string;
    webhookToken: string;
    harborUrl: string;
    harborUsername: string;
    harborPassword: string;
    registry: string;
    project: string;
    image: string;
    timeoutSeconds: string;
}

export const TARGET_FIELDS: readonly TargetField[] = [
    { key: "giteaUrl", env: "SMOKE_GITEA_URL", secret: false, description: "Gitea base URL (external)" },
    { key: "giteaUsername", env: "SMOKE_GITEA_USERNAME", secret: false, description: "Gitea user that reads the app repository's head" },
    { key: "giteaPassword", env: "SMOKE_GITEA_PASSWORD", secret: true, description: "its password or access token" },
    { key: "appOwner", env: "SMOKE_APP_OWNER", secret: false, description: "owner of the app repository" },
    { key: "appRepo", env: "SMOKE_APP_REPO", secret: false, description: "the app repository (seed.appRepo)" },
    { key: "branch", env: "SMOKE_BRANCH", secret: false, description: "the branch the job builds (seed.branch)" },
    { key: "jenkinsUrl", env: "SMOKE_JENKINS_URL", secret: false, description: "Jenkins base URL (external)" },
    { key: "jenkinsUsername", env: "SMOKE_JENKINS_USERNAME", secret: false, description: "Jenkins user that reads the queue and the build" },
    { key: "jenkinsPassword", env: "SMOKE_JENKINS_PASSWORD", secret: true, description: "its password or API token" },
    { key: "job", env: "SMOKE_JOB", secret: false, description: "full name of the seeded job (<seed.folder>/<seed.jobName>)" },
    { key: "webhookToken", env: "SMOKE_WEBHOOK_TOKEN", secret: true, description: "the Generic Webhook Trigger token Gitea's webhook sends" },
    { key: "harborUrl", env: "SMOKE_HARBOR_URL", secret: false, description: "Harbor base URL (API)" },
    { key: "harborUsername", env: "SMOKE_HARBOR_USERNAME", secret: false, description: "Harbor account that reads artifacts (artifact:read on the project)" },
    { key: "harborPassword", env: "SMOKE_HARBOR_PASSWORD", secret: true, description: "its secret" },
    { key: "registry", env: "SMOKE_REGISTRY", secret: false, description: "registry host[:port] of the image reference (registry.server)" },
    { key: "project", env: "SMOKE_PROJECT", secret: false, description: "Harbor project (registry.project)" },
    { key: "image", env: "SMOKE_IMAGE", secret: false, description: "image repository in the project (seed.imageName)" },
    { key: "timeoutSeconds", env: "SMOKE_TIMEOUT_SECONDS", secret: false, description: "bound on trigger → build end (smoke.timeoutSeconds)" },
];

/** Reads a target from an environment (or the merged stack outputs): every missing field is named at once. */
export function readTarget(get: (field: TargetField) => string | undefined, where: string): SmokeTargetValues {
    const out: Partial<SmokeTargetValues> = {};
    const missing: string[] = [];
    for (const f of TARGET_FIELDS) {
        const v = get(f);
        if (v === undefined || v === "") missing.push(where === "environment" ? f.env : f.key);
        else out[f.key] = v;
    }
    if (missing.length) throw new Error(`smoke: missing from the ${where}: ${missing.join(", ")}`);
    const t = out as SmokeTargetValues;
    const seconds = Number(t.timeoutSeconds);
    if (!Number.isInteger(seconds) || seconds <= 0) throw new Error(`smoke: ${where === "environment" ? "SMOKE_TIMEOUT_SECONDS" : "timeoutSeconds"} must be a positive integer (got ${JSON.stringify(t.timeoutSeconds)})`);
    return t;
}

/** Every secret value of a target (to keep them out of anything printed). */
export function targetSecrets(t: SmokeTargetValues): string[] {
    return TARGET_FIELDS.filter((f) => f.secret).map((f) => t[f.key]);
}

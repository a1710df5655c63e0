// Rules that span several keys: what no single key's schema can see, checked after every key
// parsed (a key that failed its own schema is absent here), each problem naming the key to change.
import type { ConfigKey } from "./keys";
import { CHART_CORE_PLUGINS, NAME_TOTAL_LENGTH_MAX, REQUIRED_PLUGINS, compareQuantity, pluginId, quantityOf } from "./shapes";

type Values = Record<string, unknown>;
type Full = (k: string) => string;

const str = (v: Values, k: ConfigKey) => (typeof v[k] === "string" ? v[k] : undefined);
const list = (v: Values, k: ConfigKey) => (Array.isArray(v[k]) ? (v[k] as string[]) : undefined);

/** `present`: the keys that were set, valid or not (a rule must not call an invalid key missing). */
export function crossChecks(v: Values, full: Full, problems: string[], present: ReadonlySet<string> = new Set(Object.keys(v))): void {
    for (const rule of [nodePorts, plugins, namespaces, resources, seedNames, imageNames, giteaBot, smokeNeedsSeed]) rule(v, full, problems);
    registryAccount(v, full, problems, present);
}

// NodePorts share one cluster-wide range; two equal ones fail at apply time with a confusing
// "provided port is already allocated". Catch it here, naming both keys.
function nodePorts(v: Values, full: Full, problems: string[]): void {
    const byPort = new Map<number, ConfigKey>();
    for (const key of ["gitea.nodePort", "gitea.sshNodePort", "jenkins.nodePort"] as const) {
        const port = v[key];
        if (typeof port !== "number" || port === 0) continue;
        const other = byPort.get(port);
        if (other) problems.push(`${full(key)}: NodePort ${port} is already used by ${full(other)}; NodePorts must differ`);
        else byPort.set(port, key);
    }
}

function plugins(v: Values, full: Full, problems: string[]): void {
    const install = list(v, "jenkins.installPlugins");
    const additional = list(v, "jenkins.additionalPlugins");
    if (install && install.length > 0) {
        // jenkins-plugin-cli's special versions float like an unpinned id.
        const unpinned = install.filter((p) => !p.includes(":") || /^(latest|experimental)$/.test(p.slice(p.indexOf(":") + 1)));
        if (unpinned.length) {
            problems.push(
                `${full("jenkins.installPlugins")}: a replacement plugin set must pin every plugin as id:version (unpinned: ${unpinned.join(", ")}); leave it empty to keep the chart's tested set`,
            );
        }
        // Everything the stack relies on, not only the chart's four: components/jenkins.ts
        // pluginValues refuses a set without them (after resources exist), so say it here.
        const ids = new Set(install.map(pluginId));
        const missing = REQUIRED_PLUGINS.filter((c) => !ids.has(c));
        if (missing.length) {
            problems.push(`${full("jenkins.installPlugins")}: a replacement plugin set must include ${missing.join(", ")} (the Kubernetes cloud, pipelines, JCasC and the seed's webhook need them)`);
        }
        // A whole set replaces everything, additions included: they would be dropped without a word.
        if (additional && additional.length > 0) {
            problems.push(`${full("jenkins.additionalPlugins")}: is ignored when ${full("jenkins.installPlugins")} replaces the plugin set; move these into that set (pinned) or empty one of the two`);
        }
    } else if (additional) {
        for (const p of additional) {
            if (p.includes(":") && (CHART_CORE_PLUGINS as readonly string[]).includes(pluginId(p))) {
                problems.push(
                    `${full("jenkins.additionalPlugins")}: "${p}" pins one of the chart's own plugins; a single pin breaks the chart's tested dependency set — pin the whole set in jenkins.installPlugins or drop the version`,
                );
            }
        }
    }
}

function namespaces(v: Values, full: Full, problems: string[]): void {
    const components = ["gitea.namespace", "jenkins.namespace", "agents.namespace"] as const;
    const seen = new Map<string, ConfigKey>();
    for (const key of components) {
        const name = str(v, key);
        if (name === undefined) continue;
        const other = seen.get(name);
        if (other) problems.push(`${full(key)}: namespace "${name}" is also ${full(other)}; each component needs its own`);
        else seen.set(name, key);
    }
    // A component creates, labels and may delete its namespace: never one that is Kyverno's, holds
    // the PolicyExceptions, or is declared the system's (the cluster's own are refused per key).
    const exempt = list(v, "kyverno.systemNamespaces") ?? [];
    for (const key of components) {
        const name = str(v, key);
        if (name === undefined) continue;
        const owner: ConfigKey | undefined =
            name === str(v, "kyverno.namespace") ? "kyverno.namespace"
            : name === str(v, "kyverno.exceptionNamespace") ? "kyverno.exceptionNamespace"
            : exempt.includes(name) && key !== "agents.namespace" ? "kyverno.systemNamespaces"
            : undefined;
        if (owner) problems.push(`${full(key)}: "${name}" is ${full(owner)}'s namespace, not a component's; choose a namespace of its own`);
    }
    // Builds are what the policies are for: the agents namespace is never exempt.
    const agents = str(v, "agents.namespace");
    if (agents !== undefined && exempt.includes(agents)) {
        problems.push(`${full("kyverno.systemNamespaces")}: "${agents}" is ${full("agents.namespace")}; build Pods must stay under the policies`);
    }
}

// The API server refuses a container whose request exceeds its limit: "must be less than or equal
// to cpu limit" (kubernetes pkg/apis/core/validation/validation.go ValidateResourceRequirements).
// Compared as numbers: 1500m and 1.5 are equal, 1Gi is more than 1G.
function resources(v: Values, full: Full, problems: string[]): void {
    for (const area of ["gitea", "jenkins", "agents"] as const) {
        for (const kind of ["cpu", "memory"] as const) {
            const reqKey = `${area}.${kind}Request` as ConfigKey;
            const limKey = `${area}.${kind}Limit` as ConfigKey;
            const req = str(v, reqKey);
            const lim = str(v, limKey);
            if (req === undefined || lim === undefined) continue;
            if (compareQuantity(quantityOf(req), quantityOf(lim)) > 0) {
                problems.push(`${full(reqKey)}: ${req} is more than ${full(limKey)} (${lim}); a request must not exceed its limit`);
            }
        }
    }
}

function seedNames(v: Values, full: Full, problems: string[]): void {
    // Gitea keys repositories by lower-cased name (models/repo/repo.go LowerName, unique per owner).
    const app = str(v, "seed.appRepo");
    const deploy = str(v, "seed.deployRepo");
    if (app !== undefined && deploy !== undefined && app.toLowerCase() === deploy.toLowerCase()) {
        problems.push(`${full("seed.deployRepo")}: must differ from ${full("seed.appRepo")} (${JSON.stringify(app)}; Gitea compares repository names without case)`);
    }
}

// The pipeline pushes <server>/<project>/<imageName> and <server>/<project>/kaniko-cache: each a
// repository name of at most 255 characters (distribution/reference RepositoryNameTotalLengthMax).
function imageNames(v: Values, full: Full, problems: string[]): void {
    const server = str(v, "registry.server");
    const project = str(v, "registry.project");
    const name = str(v, "seed.imageName");
    if (server === undefined || project === undefined || name === undefined) return;
    for (const repo of [name, "kaniko-cache"]) {
        const ref = `${server}/${project}/${repo}`;
        if (ref.length > NAME_TOTAL_LENGTH_MAX) {
            problems.push(`${full("registry.project")}: the image repository ${ref} is ${ref.length} characters, more than the ${NAME_TOTAL_LENGTH_MAX} an image name may have`);
            return;
        }
    }
}

// Either the stack manages the pipeline's robot (registry.password: the manager's password) or it is
// handed a pre-made one (registry.robotSecret): exactly one of the two.
function registryAccount(v: Values, full: Full, problems: string[], present: ReadonlySet<string>): void {
    const premade = present.has("registry.robotSecret");
    if (!premade && !present.has("registry.password")) {
        problems.push(
            `${full("registry.password")}: required to create the pipeline's robot account — set it with \`pulumi config set --secret registry.password <value>\`, or give a pre-made robot account with registry.robotName and \`pulumi config set --secret registry.robotSecret <value>\``,
        );
    }
    if (premade && present.has("registry.password")) {
        problems.push(`${full("registry.password")}: not used with ${full("registry.robotSecret")} (the stack then makes no Harbor API call); remove one of them`);
    }
    const robotName = str(v, "registry.robotName");
    if (robotName === undefined) return;
    // The name Harbor accepts for a new robot (goharbor/harbor src/server/v2.0/handler/robot.go
    // validateName) can never be a full robot login, which always carries a prefix and, for a
    // project robot, a '+'.
    const short = /^[a-z0-9]+(?:[._-][a-z0-9]+)*$/.test(robotName);
    if (!premade && !short) {
        problems.push(`${full("registry.robotName")}: must be a name Harbor accepts for a new robot: lower-case letters and digits, separated by '.', '_' or '-' (Harbor prefixes it: robot$<project>+<name>) (got ${JSON.stringify(robotName)})`);
    }
    if (premade && short) {
        problems.push(`${full("registry.robotName")}: with ${full("registry.robotSecret")} it must be the pre-made robot's full name as Harbor shows it, e.g. robot$<project>+<name> (got ${JSON.stringify(robotName)})`);
    }
}

// The pipeline's Gitea user is never the site admin (user names compare without case: models/user LowerName).
function giteaBot(v: Values, full: Full, problems: string[]): void {
    const bot = str(v, "gitea.botUsername");
    const admin = str(v, "gitea.adminUsername");
    if (bot !== undefined && admin !== undefined && bot.toLowerCase() === admin.toLowerCase()) {
        problems.push(`${full("gitea.botUsername")}: must differ from ${full("gitea.adminUsername")}: the pipeline's user is never the site admin (got ${JSON.stringify(bot)})`);
    }
}

// The smoke run builds the seeded app with the seeded job: without the seed there is nothing to run.
function smokeNeedsSeed(v: Values, full: Full, problems: string[]): void {
    if (v["smoke.enabled"] === true && v["seed.enabled"] === false) {
        problems.push(`${full("smoke.enabled")}: needs ${full("seed.enabled")} (the smoke run builds the seeded app with the seeded job); turn one on or the other off`);
    }
}

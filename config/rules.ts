// Rules that span several keys: what no single key's schema can see, checked after every key
// parsed, with each problem naming the key to change.
import { CHART_CORE_PLUGINS } from "./shapes";
import type { ConfigKey } from "./keys";

export function crossChecks(v: Record<string, unknown>, full: (k: string) => string, problems: string[], present: ReadonlySet<string> = new Set(Object.keys(v))): void {
    // NodePorts share one cluster-wide range; two equal ones fail at apply time with a confusing
    // "provided port is already allocated". Catch it here, naming both keys.
    const ports: [ConfigKey, unknown][] = [
        ["gitea.nodePort", v["gitea.nodePort"]],
        ["gitea.sshNodePort", v["gitea.sshNodePort"]],
        ["jenkins.nodePort", v["jenkins.nodePort"]],
    ];
    const byPort = new Map<number, ConfigKey>();
    for (const [key, port] of ports) {
        if (typeof port !== "number" || port === 0) continue;
        const other = byPort.get(port);
        if (other) problems.push(`${full(key)}: NodePort ${port} is already used by ${full(other)}; NodePorts must differ`);
        else byPort.set(port, key);
    }

    const install = v["jenkins.installPlugins"];
    const additional = v["jenkins.additionalPlugins"];
    if (Array.isArray(install) && install.length > 0) {
        const unpinned = install.filter((p: string) => !p.includes(":"));
        if (unpinned.length) {
            problems.push(
                `${full("jenkins.installPlugins")}: a replacement plugin set must pin every plugin as id:version (unpinned: ${unpinned.join(", ")}); leave it empty to keep the chart's tested set`,
            );
        }
        const ids = new Set(install.map((p: string) => p.split(":")[0]));
        const missing = CHART_CORE_PLUGINS.filter((c) => !ids.has(c));
        if (missing.length) {
            problems.push(`${full("jenkins.installPlugins")}: a replacement plugin set must include ${missing.join(", ")} (the Kubernetes cloud, pipelines and JCasC need them)`);
        }
    }
    if (Array.isArray(additional) && (!Array.isArray(install) || install.length === 0)) {
        for (const p of additional as string[]) {
            const [id, version] = p.split(":");
            if (version !== undefined && (CHART_CORE_PLUGINS as readonly string[]).includes(id!)) {
                problems.push(
                    `${full("jenkins.additionalPlugins")}: "${p}" pins one of the chart's own plugins; a single pin breaks the chart's tested dependency set — pin the whole set in jenkins.installPlugins or drop the version`,
                );
            }
        }
    }

    const ns: [ConfigKey, unknown][] = [
        ["gitea.namespace", v["gitea.namespace"]],
        ["jenkins.namespace", v["jenkins.namespace"]],
        ["agents.namespace", v["agents.namespace"]],
    ];
    const seenNs = new Map<string, ConfigKey>();
    for (const [key, name] of ns) {
        if (typeof name !== "string") continue;
        const other = seenNs.get(name);
        if (other) problems.push(`${full(key)}: namespace "${name}" is also ${full(other)}; each component needs its own`);
        else seenNs.set(name, key);
    }
    // Builds are what the policies are for: the agents namespace is never exempt.
    const exempt = v["kyverno.systemNamespaces"];
    const agents = v["agents.namespace"];
    if (Array.isArray(exempt) && typeof agents === "string" && exempt.includes(agents)) {
        problems.push(`${full("kyverno.systemNamespaces")}: "${agents}" is ${full("agents.namespace")}; build Pods must stay under the policies`);
    }
    // Either the stack manages the robot (registry.password: the manager's password) or it is handed
    // a pre-made one (registry.robotSecret): exactly one of the two.
    const premade = present.has("registry.robotSecret");
    if (!premade && !present.has("registry.password")) {
        problems.push(
            `${full("registry.password")}: required to create the pipeline's robot account — set it with \`pulumi config set --secret registry.password <value>\`, or give a pre-made robot account with registry.robotName and \`pulumi config set --secret registry.robotSecret <value>\``,
        );
    }
    if (premade && present.has("registry.password")) {
        problems.push(`${full("registry.password")}: not used with ${full("registry.robotSecret")} (the stack then makes no Harbor API call); remove one of them`);
    }
    const robotName = v["registry.robotName"];
    if (typeof robotName === "string") {
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
    const bot = v["gitea.botUsername"];
    if (typeof bot === "string" && typeof v["gitea.adminUsername"] === "string" && bot.toLowerCase() === v["gitea.adminUsername"].toLowerCase()) {
        // Gitea user names are case-insensitive (models/user LowerName).
        problems.push(`${full("gitea.botUsername")}: must differ from ${full("gitea.adminUsername")}: the pipeline's user is never the site admin (got ${JSON.stringify(bot)})`);
    }
    if (v["seed.appRepo"] !== undefined && v["seed.appRepo"] === v["seed.deployRepo"]) {
        problems.push(`${full("seed.deployRepo")}: must differ from ${full("seed.appRepo")} (${JSON.stringify(v["seed.appRepo"])})`);
    }
}

// Finds the pinned tool binaries scripts/tools.sh builds from Go modules (the Kyverno CLI, Helm), the
// same way that script lays them out, so a test or a pre-flight uses exactly the pinned version:
//   1. an explicit override: $KYVERNO_BIN / $HELM_BIN (must be an executable file);
//   2. the directories `bash scripts/tools.sh path` prints (its PATH fragment, one dir per tool);
//   3. the cache itself, ${CI_STACK_TOOLS_DIR:-${XDG_CACHE_HOME:-~/.cache}/ci-stack/tools}/<tool>-<version>/bin,
//      with the version pinned in tools/versions.env and only once the build left its .complete marker.
// Never the machine's PATH: an unpinned kyverno or helm would judge with another engine.
import { execFileSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";

export type ToolName = "kyverno" | "helm";

interface ToolSpec {
    /** The binary scripts/tools.sh builds. */
    readonly binary: string;
    /** The override variable. */
    readonly env: string;
    /** The key of the pinned version in tools/versions.env. */
    readonly versionKey: string;
}

export const TOOLS: Readonly<Record<ToolName, ToolSpec>> = {
    kyverno: { binary: "kubectl-kyverno", env: "KYVERNO_BIN", versionKey: "KYVERNO_VERSION" },
    helm: { binary: "helm", env: "HELM_BIN", versionKey: "HELM_VERSION" },
};

/**
 * Set to 1 to skip the tool-needing tests when a tool is missing, instead of failing them. For a
 * developer's machine only: `.ci/run` never sets it, so CI cannot pass without the real engines.
 */
export const SKIP_ENV = "CI_STACK_SKIP_MISSING_TOOLS";

export class ToolMissingError extends Error {
    constructor(
        readonly tool: ToolName,
        readonly looked: readonly string[],
    ) {
        super(
            `${TOOLS[tool].binary} (${tool}) not found; looked at:\n  - ${looked.join("\n  - ")}\n` +
                `Build it with \`bash scripts/tools.sh build ${tool}\`, or point $${TOOLS[tool].env} at a ${tool} binary of the pinned version.`,
        );
        this.name = "ToolMissingError";
    }
}

export const REPO_ROOT = path.resolve(__dirname, "..", "..");

/** tools/versions.env as a map (KEY=value lines); {} when the file does not exist. */
export function pinnedVersions(repo = REPO_ROOT): Record<string, string> {
    const file = path.join(repo, "tools", "versions.env");
    if (!fs.existsSync(file)) return {};
    const out: Record<string, string> = {};
    for (const line of fs.readFileSync(file, "utf8").split("\n")) {
        const m = /^([A-Z][A-Z0-9_]*)=("?)([^"#\s]*)\2\s*(#.*)?$/.exec(line.trim());
        if (m) out[m[1]!] = m[3]!;
    }
    return out;
}

/** The tools cache directory scripts/tools.sh writes to. */
export function toolsCacheDir(env: NodeJS.ProcessEnv = process.env): string {
    return env.CI_STACK_TOOLS_DIR ?? path.join(env.XDG_CACHE_HOME ?? path.join(os.homedir(), ".cache"), "ci-stack", "tools");
}

const isExecutable = (f: string) => {
    try {
        fs.accessSync(f, fs.constants.X_OK);
        return fs.statSync(f).isFile();
    } catch {
        return false;
    }
};

/** The directories of `bash scripts/tools.sh path`, or [] when the script is not there (or fails). */
function toolsScriptDirs(repo: string, env: NodeJS.ProcessEnv): string[] {
    const script = path.join(repo, "scripts", "tools.sh");
    if (!fs.existsSync(script)) return [];
    try {
        const out = execFileSync("bash", [script, "path"], { encoding: "utf8", env: { ...process.env, ...env }, stdio: ["ignore", "pipe", "ignore"] });
        return out.trim().split(":").filter(Boolean);
    } catch {
        return [];
    }
}

/** The path of a pinned tool's binary; throws ToolMissingError saying where it looked. */
export function findTool(tool: ToolName, env: NodeJS.ProcessEnv = process.env, repo = REPO_ROOT): string {
    const spec = TOOLS[tool];
    const looked: string[] = [];
    const override = env[spec.env];
    if (override) {
        if (isExecutable(override)) return override;
        looked.push(`$${spec.env}=${override} (not an executable file)`);
        throw new ToolMissingError(tool, looked);
    }
    looked.push(`$${spec.env} (unset)`);

    const dirs = toolsScriptDirs(repo, env);
    for (const dir of dirs) {
        const candidate = path.join(dir, spec.binary);
        // tools.sh lists every tool's dir whether built or not; only a finished build counts.
        if (isExecutable(candidate) && fs.existsSync(path.join(dir, "..", ".complete"))) return candidate;
    }
    looked.push(dirs.length ? `bash scripts/tools.sh path (${dirs.length} dirs, no built ${spec.binary})` : "scripts/tools.sh path (script not in this checkout)");

    const cache = toolsCacheDir(env);
    const version = pinnedVersions(repo)[spec.versionKey];
    if (version) {
        const dir = path.join(cache, `${tool}-${version}`);
        const candidate = path.join(dir, "bin", spec.binary);
        if (isExecutable(candidate) && fs.existsSync(path.join(dir, ".complete"))) return candidate;
        looked.push(`${candidate} (pinned ${spec.versionKey}=${version}; not built)`);
    } else {
        looked.push(`${path.join(cache, `${tool}-<version>`, "bin", spec.binary)} (no ${spec.versionKey} in tools/versions.env)`);
    }
    throw new ToolMissingError(tool, looked);
}

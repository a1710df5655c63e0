// Stack configs shared by the tests: the minimum a stack must set, and the dev lab's values.
import * as fs from "node:fs";
import * as path from "node:path";
import { parse } from "yaml";

export const REGISTRY_PASSWORD = "harbor-Pa55word!";

/** The smallest valid config: the required keys only (secret keys listed in SECRET_KEYS). */
export const MINIMAL: Readonly<Record<string, string>> = Object.freeze({
    nodeAddress: "10.0.24.28",
    "registry.server": "10.0.24.28:30002",
    "registry.password": REGISTRY_PASSWORD,
});

export const SECRET_KEYS = ["registry.password", "registry.robotSecret", "gitea.adminPassword", "jenkins.adminPassword"] as const;

/** Pulumi.dev.yaml as the runtime would see it: every value a string, arrays JSON-encoded. */
export function devStackConfig(): Record<string, string> {
    const file = parse(fs.readFileSync(path.join(__dirname, "..", "..", "Pulumi.dev.yaml"), "utf8")) as { config: Record<string, unknown> };
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(file.config)) {
        out[k.replace(/^ci-stack:/, "")] = typeof v === "string" ? v : JSON.stringify(v);
    }
    return { ...out, "registry.password": REGISTRY_PASSWORD };
}

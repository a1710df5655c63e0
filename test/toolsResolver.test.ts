// scripts/lib/tools.ts finds the pinned binaries where scripts/tools.sh puts them, never on PATH.
import * as assert from "node:assert/strict";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import { findTool, pinnedVersions, ToolMissingError, toolsCacheDir } from "../scripts/lib/tools";

describe("tool resolver (scripts/lib/tools.ts)", () => {
    let root: string;
    let repo: string;
    let cache: string;
    beforeEach(() => {
        root = fs.mkdtempSync(path.join(os.tmpdir(), "tools-"));
        repo = path.join(root, "repo");
        cache = path.join(root, "cache");
        fs.mkdirSync(path.join(repo, "tools"), { recursive: true });
        fs.writeFileSync(path.join(repo, "tools", "versions.env"), "# pins\nHELM_VERSION=v3.21.4\nKYVERNO_VERSION=v1.19.0 # the CLI\n");
    });
    afterEach(() => fs.rmSync(root, { recursive: true, force: true }));

    const exe = (file: string) => {
        fs.mkdirSync(path.dirname(file), { recursive: true });
        fs.writeFileSync(file, "#!/bin/sh\n");
        fs.chmodSync(file, 0o755);
        return file;
    };
    const env = (over: Record<string, string> = {}) => ({ CI_STACK_TOOLS_DIR: cache, ...over });

    it("reads tools/versions.env", () => {
        assert.deepEqual(pinnedVersions(repo), { HELM_VERSION: "v3.21.4", KYVERNO_VERSION: "v1.19.0" });
        assert.deepEqual(pinnedVersions(root), {});
    });

    it("the cache dir follows CI_STACK_TOOLS_DIR, then XDG_CACHE_HOME", () => {
        assert.equal(toolsCacheDir({ CI_STACK_TOOLS_DIR: "/c" }), "/c");
        assert.equal(toolsCacheDir({ XDG_CACHE_HOME: "/x" }), "/x/ci-stack/tools");
    });

    it("finds the pinned build in the cache only once it is complete", () => {
        const bin = exe(path.join(cache, "kyverno-v1.19.0", "bin", "kubectl-kyverno"));
        assert.throws(() => findTool("kyverno", env(), repo), (e: unknown) => e instanceof ToolMissingError && /pinned KYVERNO_VERSION=v1\.19\.0; not built/.test(e.message));
        fs.writeFileSync(path.join(cache, "kyverno-v1.19.0", ".complete"), "seconds=1\n");
        assert.equal(findTool("kyverno", env(), repo), bin);
        // Another version in the cache is not the pinned one.
        exe(path.join(cache, "helm-v3.0.0", "bin", "helm"));
        fs.writeFileSync(path.join(cache, "helm-v3.0.0", ".complete"), "");
        assert.throws(() => findTool("helm", env(), repo), /helm-v3\.21\.4\/bin\/helm \(pinned HELM_VERSION=v3\.21\.4; not built\)/);
    });

    it("an override must be an executable; it is never silently replaced", () => {
        const bin = exe(path.join(root, "my-helm"));
        assert.equal(findTool("helm", env({ HELM_BIN: bin }), repo), bin);
        assert.throws(() => findTool("helm", env({ HELM_BIN: path.join(root, "nope") }), repo), /\$HELM_BIN=.*nope \(not an executable file\)/);
    });

    it("uses the directories `scripts/tools.sh path` prints when the script is there", () => {
        const dir = path.join(cache, "helm-v3.21.4");
        const bin = exe(path.join(dir, "bin", "helm"));
        fs.writeFileSync(path.join(dir, ".complete"), "");
        fs.mkdirSync(path.join(repo, "scripts"));
        // A stand-in tools.sh: its `path` prints the helm bin dir among others.
        fs.writeFileSync(path.join(repo, "scripts", "tools.sh"), `#!/usr/bin/env bash\n[ "$1" = path ] && echo "/nonexistent/bin:${path.join(dir, "bin")}:${repo}/tools/bin"\n`);
        fs.rmSync(path.join(repo, "tools", "versions.env"));
        assert.equal(findTool("helm", env(), repo), bin);
    });

    it("says everywhere it looked and how to build the tool", () => {
        assert.throws(
            () => findTool("kyverno", env(), repo),
            (e: unknown) =>
                e instanceof ToolMissingError &&
                e.message.includes("$KYVERNO_BIN (unset)") &&
                e.message.includes("scripts/tools.sh path (script not in this checkout)") &&
                e.message.includes("bash scripts/tools.sh build kyverno"),
        );
    });
});

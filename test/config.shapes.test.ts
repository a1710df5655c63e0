// The value rules of config/shapes/ and the unknown-key suggestion, on their own. The invalid-config
// table in config.test.ts runs each rule through the whole program; here the rules meet the peers
// they copy where the peer is at hand (the real git binary) and their edge cases.
import * as assert from "node:assert/strict";
import { spawnSync } from "node:child_process";
import * as fs from "node:fs";
import * as os from "node:os";
import * as path from "node:path";
import * as pulumi from "@pulumi/pulumi";
import {
    CONFIG_KEYS,
    ConfigError,
    compareQuantity,
    giteaRepoNameProblem,
    giteaUserNameProblem,
    gitBranchProblem,
    imageProblem,
    jenkinsItemNameProblem,
    kanikoImageProblem,
    loadConfig,
    parseImageRef,
    parseQuantity,
    pulumiConfigSource,
    quantityOf,
    registryHostProblem,
    seedBranchProblem,
} from "../config";
import { editDistance, nearestKey } from "../config/suggest";
import { MINIMAL, SECRET_KEYS } from "./support/fixtures";

// Names git must accept or refuse, chosen to hit every rule of refs.c check_refname_format and
// object-name.c strbuf_check_branch_ref once, plus the ones that look wrong but are fine.
const BRANCHES = [
    "main", "feature/x", "release/2025.12", "a@b", "@", "@x", "ü-umlaut", "a{b}", "x.lock.y", "a/-b", "HEAD/x", "refs/heads/x", "v1.0", "a_b+c=d,e!f",
    "", "-x", "HEAD", "a..b", "a/.b", ".a", "x.lock", "a/x.lock/b", "a//b", "/a", "a/", "a.", "a@{b", "@{-1}", "a b", "a\tb", "a~b", "a^b", "a:b", "a?b",
    "a*b", "a[b", "a\\b", "a\u007fb", "a\u0001b",
];

function gitAvailable(): boolean {
    return spawnSync("git", ["--version"]).status === 0;
}

describe("config shapes", () => {
    describe("git branch names, against the real git binary", () => {
        if (!gitAvailable()) {
            it.skip("git check-ref-format --branch agrees with gitBranchProblem — skipped: no git binary on PATH");
            return;
        }
        // Outside any repository, so no @{-N} or @{upstream} is expanded and only the format counts.
        const cwd = fs.mkdtempSync(path.join(os.tmpdir(), "refname-"));
        after(() => fs.rmSync(cwd, { recursive: true, force: true }));
        for (const name of BRANCHES) {
            it(`${JSON.stringify(name)}`, () => {
                const git = spawnSync("git", ["check-ref-format", "--branch", name], { cwd, env: { ...process.env, GIT_CEILING_DIRECTORIES: os.tmpdir() } });
                assert.equal(gitBranchProblem(name) === undefined, git.status === 0, `git says ${git.status === 0 ? "valid" : "invalid"}, gitBranchProblem says ${gitBranchProblem(name) ?? "valid"}`);
            });
        }
        it("the table holds names git accepts and names it refuses", () => {
            const verdicts = BRANCHES.map((n) => spawnSync("git", ["check-ref-format", "--branch", n], { cwd }).status === 0);
            assert.ok(verdicts.includes(true) && verdicts.includes(false));
        });
        it("seed.branch adds Gitea's limits on top of git's", () => {
            assert.equal(seedBranchProblem("main"), undefined);
            for (const n of ["@", "a{b}", "b".repeat(101), "-x"]) assert.ok(seedBranchProblem(n), n);
            assert.match(seedBranchProblem("a..b")!, /git check-ref-format --branch/);
        });
    });

    describe("quantities, as apimachinery parses them", () => {
        it("compares across units and spellings", () => {
            const cmp = (a: string, b: string) => compareQuantity(quantityOf(a), quantityOf(b));
            assert.equal(cmp("1", "1000m"), 0);
            assert.equal(cmp("1.5", "1500m"), 0);
            assert.equal(cmp("0.5Gi", "512Mi"), 0);
            assert.equal(cmp("1Gi", "1G"), 1);
            assert.equal(cmp("1e3", "1k"), 0);
            assert.equal(cmp("1E3", "999"), 1);
            assert.equal(cmp("+.5", "500m"), 0);
            assert.equal(cmp("1.", "1"), 0);
            assert.equal(cmp("7Ei", "8E"), 1);
        });
        it("rounds up to a nano-unit like ParseQuantity, and holds nothing past int64", () => {
            assert.deepEqual(parseQuantity("1e-10"), { nanos: 1n });
            assert.deepEqual(parseQuantity("-1m"), { nanos: -1000000n });
            assert.match(parseQuantity("8Ei") as string, /out of range/);
            assert.match(parseQuantity("1e50") as string, /out of range/);
        });
        it("refuses what apimachinery refuses", () => {
            for (const s of ["", "1K", "1kb", "10GiB", "5 GB", " 1", "1e", ".", "1.2.3", "Mi", "0x10"]) assert.equal(typeof parseQuantity(s), "string", s);
        });
        it("throws on a value that was never validated", () => assert.throws(() => quantityOf("lots"), /Kubernetes quantity/));
    });

    describe("image references, by the distribution grammar", () => {
        const refs: [string, string | undefined][] = [
            ["nginx:1.29", undefined],
            ["docker.io/library/nginx:1.29", undefined],
            ["[fd00::1]:5000/team/app:1.0", undefined],
            ["localhost:5000/app:1", undefined],
            ["Registry.Lab/app:1", undefined],
            [`app:1.0@sha256:${"0".repeat(64)}`, undefined],
            [`app:latest@sha256:${"0".repeat(64)}`, undefined],
            [`app@sha512:${"f".repeat(128)}`, undefined],
            ["a/b__c/d-e.f_g--h:tag_1.2-3", undefined],
            ["App:1", 'repository "App" must be lower case (distribution/reference: "repository name must be lowercase")'],
            ["app", "must carry an explicit tag or digest (an untagged image means :latest)"],
            ["app:latest", "must not use the :latest tag (pin a version)"],
            [`app@sha256:${"A".repeat(64)}`, "has a malformed digest (sha256, sha384 or sha512 with its lower-case hex)"],
            ["app:-x", 'has an invalid tag "-x"'],
            ["a_/b:1", 'has an invalid repository path "a_/b"'],
            ["app :1", "must be an image reference without spaces"],
            [`r.io/${"x".repeat(252)}:1`, "repository name is longer than 255 characters"],
        ];
        for (const [ref, want] of refs) it(`imageProblem(${ref.length > 60 ? `${ref.slice(0, 57)}...` : ref})`, () => assert.equal(imageProblem(ref), want));

        it("splits the registry the way docker and go-containerregistry do", () => {
            assert.deepEqual(parseImageRef("harbor/bootcamp/app:1"), { path: "harbor/bootcamp/app", tag: "1" });
            assert.deepEqual(parseImageRef("harbor.lab/bootcamp/app:1"), { domain: "harbor.lab", path: "bootcamp/app", tag: "1" });
            assert.deepEqual(parseImageRef("[fd00::1]:5000/app"), { domain: "[fd00::1]:5000", path: "app" });
        });

        it("kaniko: the tag names the debug variant", () => {
            for (const ok of ["gcr.io/kaniko-project/executor:debug", "gcr.io/kaniko-project/executor:v1.23.2-debug", "gcr.io/kaniko-project/executor:debug-v1.23.2", `x/executor:v1-debug@sha256:${"0".repeat(64)}`]) {
                assert.equal(kanikoImageProblem(ok), undefined, ok);
            }
            for (const bad of ["gcr.io/kaniko-project/executor:v1.23.2", "x/debug/executor:v1", "x/executor:debugger", "x/executor:nodebug"]) assert.match(kanikoImageProblem(bad)!, /not a debug variant/, bad);
        });

        it("registry hosts: DNS, IPv4 or bracketed IPv6, with a port in range, recognisable as a registry", () => {
            for (const ok of ["10.0.24.28:30002", "harbor.lab", "[fd00::28]:30002", "[::1]", "localhost", "localhost:5000", "Harbor.Lab:443"]) assert.equal(registryHostProblem(ok), undefined, ok);
            for (const bad of ["harbor", "harbor:0", "harbor:65536", "[fd00::zz]:1", "fd00::28", "300.1.1.1", "http://harbor.lab", "harbor.lab/x", "-harbor.lab"]) assert.ok(registryHostProblem(bad), bad);
        });
    });

    describe("peer names", () => {
        it("Jenkins items: Jenkins.checkGoodName", () => {
            for (const ok of ["ci", "CI jobs", "notes.app", "a-b_c", "ünï", "x.y.z"]) assert.equal(jenkinsItemNameProblem(ok), undefined, ok);
            for (const bad of ["", " ", ".", "..", "a.", "a. ", "a/b", "a\\b", "a?b", "a*b", "a%b", "a!b", "a@b", "a#b", "a$b", "a^b", "a&b", "a|b", "a<b", "a>b", "a[b", "a]b", "a:b", "a;b", "a\u0085b", "a\nb", " a"]) {
                assert.ok(jenkinsItemNameProblem(bad), JSON.stringify(bad));
            }
        });
        it("Gitea users: IsValidUsername, reserved names and patterns, 40 characters", () => {
            for (const ok of ["gitea-admin", "a", "A.b_c-d", "x".repeat(40), "admin", "users", "ghostly", "keys"]) assert.equal(giteaUserNameProblem(ok), undefined, ok);
            for (const bad of ["user", "USER", "ghost", "api", "login", "org", "repo", "explore", "gitea-actions", ".well-known", "a.png", "b.rss", "a..b", "a-_b", "a-", "-a", "a b", "x".repeat(41), "ä"]) {
                assert.ok(giteaUserNameProblem(bad), bad);
            }
        });
        it("Gitea repositories: IsUsableRepoName, 100 characters", () => {
            for (const ok of ["notes-app", "Notes_App.v2", "x".repeat(100), ".hidden", "a-", "wiki"]) assert.equal(giteaRepoNameProblem(ok), undefined, ok);
            for (const bad of ["", ".", "..", "-", "a..b", "a.git", "A.GIT", "a.wiki", "a.rss", "a.atom", "a b", "a/b", "x".repeat(101)]) assert.ok(giteaRepoNameProblem(bad), bad);
        });
    });

    describe("unknown keys", () => {
        const keys = Object.keys(CONFIG_KEYS);
        it("suggests the declared key a typo most likely meant", () => {
            assert.equal(nearestKey("storage.retainondelete", keys), "storage.retainOnDelete");
            assert.equal(nearestKey("Storage.Protect", keys), "storage.protect");
            assert.equal(nearestKey("jenkins.retainOnDelete", keys), "storage.retainOnDelete");
            assert.equal(nearestKey("registry.sever", keys), "registry.server");
            assert.equal(nearestKey("seed.enable", keys), "seed.enabled");
            assert.equal(nearestKey("gitea.cpurequest", keys), "gitea.cpuRequest");
            assert.equal(nearestKey("frobnicate", keys), undefined);
            assert.equal(nearestKey("gitea.something", keys), undefined);
        });
        it("edit distance", () => {
            assert.deepEqual([editDistance("", "abc"), editDistance("kitten", "sitting"), editDistance("same", "same")], [3, 3, 0]);
        });
        it("reads the keys Pulumi hands the program, and ignores other namespaces", () => {
            pulumi.runtime.setAllConfig({ "ci-stack:nodeAddress": "10.0.24.28", "kubernetes:context": "lab", "ci-stack:storage.protect": "true" }, []);
            assert.deepEqual([...pulumiConfigSource.keys()].sort(), ["ci-stack:nodeAddress", "ci-stack:storage.protect", "kubernetes:context"]);
            const values: Record<string, string> = { ...Object.fromEntries(Object.entries(MINIMAL).map(([k, v]) => [`ci-stack:${k}`, v])), "kubernetes:context": "lab", "aws:region": "x" };
            const cfg = loadConfig("ci-stack", {
                get: (k) => values[k],
                isSecret: (k) => (SECRET_KEYS as readonly string[]).includes(k.replace(/^ci-stack:/, "")),
                keys: () => Object.keys(values),
            });
            assert.equal(cfg.nodeAddress, "10.0.24.28");
        });
        it("every unknown key is reported, with the other problems, never its value", () => {
            const values: Record<string, string> = { ...Object.fromEntries(Object.entries(MINIMAL).map(([k, v]) => [`ci-stack:${k}`, v])), "ci-stack:registry.pasword": "hunter2-secret", "ci-stack:gitea.nodeport": "30100" };
            delete values["ci-stack:registry.password"];
            try {
                loadConfig("ci-stack", { get: (k) => values[k], isSecret: () => true, keys: () => Object.keys(values) });
                assert.fail("expected a ConfigError");
            } catch (e) {
                assert.ok(e instanceof ConfigError);
                // registry.password is required by a cross-key rule (unless registry.robotSecret), checked last.
                assert.deepEqual(e.problems.map((p) => p.split(": ")[0]), ["ci-stack:registry.pasword", "ci-stack:gitea.nodeport", "ci-stack:registry.password"]);
                assert.ok(!e.message.includes("hunter2-secret"));
                assert.match(e.problems[0]!, /did you mean ci-stack:registry\.password\?/);
                assert.match(e.problems[1]!, /did you mean ci-stack:gitea\.nodePort\?/);
            }
        });
    });

});

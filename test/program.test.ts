// The whole program under mocks: what index.ts registers and exports.
import * as assert from "node:assert/strict";
import { runProgram, ProgramRun } from "./support/mocks";
import { MINIMAL, SECRET_KEYS, devStackConfig } from "./support/fixtures";

describe("program (mock mode)", () => {
    let dev: ProgramRun;
    before(async () => {
        dev = await runProgram(devStackConfig(), { secretKeys: SECRET_KEYS });
        if (dev.error) throw dev.error;
    });

    it("creates the three namespaces, labelled, retained on destroy", () => {
        const nss = dev.recorder.ofType("kubernetes:core/v1:Namespace");
        assert.deepEqual(
            nss.map((n) => [n.name, n.inputs.metadata.name, n.inputs.metadata.labels["app.kubernetes.io/component"], n.retainOnDelete]),
            [
                ["ci-gitea", "gitea", "gitea", true],
                ["ci-jenkins", "jenkins", "jenkins", true],
                ["ci-agents", "jenkins-agents", "agents", true],
            ],
        );
        const parent = dev.recorder.one("cistack:platform:Namespaces");
        assert.equal(parent.name, "ci");
        for (const ns of nss) assert.equal(ns.parent, parent.urn);
    });

    it("exports URLs built from the node address and NodePorts", () => {
        assert.equal(dev.outputs!.giteaUrl, "http://10.0.24.28:30022");
        assert.equal(dev.outputs!.jenkinsUrl, "http://10.0.24.28:30808");
        assert.equal(dev.outputs!.agentNamespace, "jenkins-agents");
    });

    it("follows config overrides instead of hard-coded values", async () => {
        const run = await runProgram(
            { ...MINIMAL, nodeAddress: "ci.lab.internal", "gitea.namespace": "scm", "agents.namespace": "builds", "jenkins.nodePort": "31808", "storage.retainOnDelete": "false" },
            { secretKeys: SECRET_KEYS },
        );
        if (run.error) throw run.error;
        assert.deepEqual(
            run.recorder.ofType("kubernetes:core/v1:Namespace").map((n) => [n.inputs.metadata.name, n.retainOnDelete]),
            [["scm", false], ["jenkins", false], ["builds", false]],
        );
        assert.equal(run.outputs!.jenkinsUrl, "http://ci.lab.internal:31808");
    });
});

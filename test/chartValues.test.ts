import * as assert from "node:assert/strict";
import { loadChartKeys, unknownValuePaths, withPaths } from "./support/chartValues";

describe("chart values checker", () => {
    const jenkins = loadChartKeys("jenkins-5.9.53");
    it("accepts keys the chart declares", () => {
        assert.deepEqual(unknownValuePaths({ controller: { serviceType: "NodePort", nodePort: 30808, admin: { existingSecret: "x" } } }, jenkins), []);
    });
    it("catches a typo at any depth", () => {
        assert.deepEqual(unknownValuePaths({ controller: { serviceTyp: "NodePort", admin: { existingSecrets: "x" } } }, jenkins), [
            "controller.serviceTyp",
            "controller.admin.existingSecrets",
        ]);
    });
    it("skips only free-form subtrees", () => {
        const values = { controller: { JCasC: { configScripts: { anything: "x" } } } };
        assert.deepEqual(unknownValuePaths(values, jenkins), []);
        assert.deepEqual(unknownValuePaths(values, jenkins, { ignoreFreeForm: true }), ["controller.JCasC.configScripts.anything"]);
    });
    it("a map set where the chart has a scalar is flagged below it", () => {
        assert.deepEqual(unknownValuePaths({ controller: { serviceType: { nested: 1 } } }, jenkins), ["controller.serviceType.nested"]);
    });
    it("keys with dots are escaped as in helm --set (a.b\\.c)", () => {
        const gitea = loadChartKeys("gitea-main-20251209");
        assert.ok(gitea.paths.has("persistence.annotations.helm\\.sh/resource-policy"));
        const extra = withPaths(jenkins, ["controller.podAnnotations.example\\.com/x"]);
        assert.deepEqual(unknownValuePaths({ controller: { podAnnotations: { "example.com/x": "1" } } }, extra, { ignoreFreeForm: true }), []);
        assert.deepEqual(unknownValuePaths({ controller: { podAnnotations: { "example.com/y": "1" } } }, extra, { ignoreFreeForm: true }), ["controller.podAnnotations.example\\.com/y"]);
    });
});

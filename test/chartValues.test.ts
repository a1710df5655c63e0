import * as assert from "node:assert/strict";
import { loadChartValues, unknownValuePaths } from "./support/chartValues";

describe("chart values checker", () => {
    const jenkins = loadChartValues("jenkins-5.9.53-values.yaml");
    it("accepts keys the chart declares", () => {
        assert.deepEqual(unknownValuePaths({ controller: { serviceType: "NodePort", nodePort: 30808, admin: { existingSecret: "x" } } }, jenkins), []);
    });
    it("catches a typo at any depth", () => {
        assert.deepEqual(unknownValuePaths({ controller: { serviceTyp: "NodePort", admin: { existingSecrets: "x" } } }, jenkins), [
            "controller.serviceTyp",
            "controller.admin.existingSecrets",
        ]);
    });
    it("skips only listed free-form subtrees", () => {
        const values = { controller: { JCasC: { configScripts: { anything: "x" } } } };
        assert.deepEqual(unknownValuePaths(values, jenkins, ["controller.JCasC.configScripts"]), []);
        assert.deepEqual(unknownValuePaths(values, jenkins), ["controller.JCasC.configScripts.anything"]);
    });
});

// The policy pack's entry point: `pulumi preview --policy-pack ./policies`. The only module that
// constructs the PolicyPack (the constructor starts the analyzer's gRPC server), so tests import
// ./pack instead.
import { PolicyPack } from "@pulumi/policy";
import { PACK_NAME, packPolicies } from "./pack";

new PolicyPack(PACK_NAME, {
    description: "ci-stack: the Kyverno rule catalogue checked in pull requests, plus rules only a preview can see.",
    policies: packPolicies(),
});

// The whole stack on one screen: validated config -> components -> stack outputs.
import * as pulumi from "@pulumi/pulumi";
import { loadConfig } from "./config";
import { Namespaces } from "./components";

// Throws with every problem (each naming its key) before any resource is registered.
const cfg = loadConfig();

const namespaces = new Namespaces("ci", {
    names: { gitea: cfg.gitea.namespace, jenkins: cfg.jenkins.namespace, agents: cfg.agents.namespace },
    retainOnDelete: cfg.storage.retainOnDelete,
});

export const giteaNamespace = namespaces.names.gitea!;
export const jenkinsNamespace = namespaces.names.jenkins!;
export const agentNamespace = namespaces.names.agents!;
export const giteaUrl = pulumi.interpolate`http://${cfg.nodeAddress}:${cfg.gitea.nodePort}`;
export const jenkinsUrl = pulumi.interpolate`http://${cfg.nodeAddress}:${cfg.jenkins.nodePort}`;

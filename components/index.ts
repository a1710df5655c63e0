export * from "./namespaces";
export * from "./gitea";
export * from "./jenkins";
export * from "./storage";
export * from "./harborAuth";
export * from "./agentRbac";
export * from "./kyvernoPolicies";
export * from "./seed";

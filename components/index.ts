export * from "./namespaces";

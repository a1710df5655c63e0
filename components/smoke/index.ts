export * from "./smoke";

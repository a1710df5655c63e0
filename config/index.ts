// Stack configuration: the key table (keys.ts), value shapes (shapes.ts), cross-key rules
// (rules.ts), the loader (load.ts) and the typed result (types.ts).
export * from "./shapes";
export * from "./keys";
export * from "./types";
export * from "./load";

// Stack configuration: the key table (keys.ts), value shapes (shapes/, one module per kind of
// value), cross-key rules (rules.ts), the loader (load.ts, with suggest.ts for unknown keys) and the
// typed result (types.ts).
export * from "./shapes";
export * from "./keys";
export * from "./types";
export * from "./load";
export * from "./providerConfig";

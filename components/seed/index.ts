export * from "./seed";
export * from "./providers";

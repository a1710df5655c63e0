// Content the seed writes: the notes-app and notes-deploy repositories and the Jenkins job and
// folder config.xml. Pure builders only — no resources, no HTTP.
export * from "./appRepo";
export * from "./deployRepo";
export * from "./jobXml";
export * from "./pipeline";

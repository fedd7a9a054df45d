export * from "./models";
export * from "./knowledge";
export * from "./frames";
export * from "./agent-api";
export * from "./widget-api";
export * from "./machine-api";
export * from "./settings";
export * from "./notes";

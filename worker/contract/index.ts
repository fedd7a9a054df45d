export * from "./models";
export * from "./frames";

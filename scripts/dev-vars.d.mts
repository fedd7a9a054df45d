export function devVars(file?: string, required?: string[]): Record<string, string>;

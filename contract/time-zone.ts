/** Whether `name` is an IANA time zone this runtime knows, such as Europe/Stockholm. */
export function isTimeZone(name: string): boolean {
  try {
    new Intl.DateTimeFormat("en-US", { timeZone: name });
    return true;
  } catch {
    return false;
  }
}

// Reading a time in a store's time zone. Building an Intl.DateTimeFormat costs about twenty times
// what using one does (ICU loads the zone's rules), and the same few zones come back with every
// message and every report: each kind of reading keeps one formatter per zone.

/** A formatter for `options` in any time zone, built once per zone (`timeZone` must be valid). */
export function formatterPerZone(options: Intl.DateTimeFormatOptions): (timeZone: string) => Intl.DateTimeFormat {
  const formatters = new Map<string, Intl.DateTimeFormat>();
  return (timeZone) => {
    let formatter = formatters.get(timeZone);
    if (!formatter) formatters.set(timeZone, (formatter = new Intl.DateTimeFormat("en-US", { ...options, timeZone })));
    return formatter;
  };
}

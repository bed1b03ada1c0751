// Dates and times as the user reads them: in their schedule's time zone (or a client's), in
// the UI's language, through Intl.

const FORMATS = {
  parts: { year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', hourCycle: 'h23', weekday: 'short' },
  time: { hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  dateTime: { weekday: 'short', day: 'numeric', month: 'short', hour: '2-digit', minute: '2-digit', hourCycle: 'h23' },
  day: { weekday: 'long', day: 'numeric', month: 'long' },
  weekday: { weekday: 'short' },
} satisfies Record<string, Intl.DateTimeFormatOptions>;

// Making an Intl.DateTimeFormat costs far more than using one, and a list row formats up to
// five dates: made once per language, zone and format, scrolling draws rows without making any.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatter(format: keyof typeof FORMATS, locale: string, tz: string): Intl.DateTimeFormat {
  const key = `${format}|${locale}|${tz}`;
  let f = formatters.get(key);
  if (!f) {
    f = new Intl.DateTimeFormat(locale, { timeZone: tz, ...FORMATS[format] });
    formatters.set(key, f);
  }
  return f;
}

export function zonedParts(iso: string, tz: string) {
  const parts = formatter('parts', 'en-GB', tz).formatToParts(new Date(iso));
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? '';
  return { date: `${get('year')}-${get('month')}-${get('day')}`, hour: Number(get('hour')), minute: Number(get('minute')) };
}

export function time(iso: string, tz: string, locale: string): string {
  return formatter('time', locale, tz).format(new Date(iso));
}

export function dateTime(iso: string, tz: string, locale: string): string {
  return formatter('dateTime', locale, tz).format(new Date(iso));
}

export function day(iso: string, tz: string, locale: string): string {
  return formatter('day', locale, tz).format(new Date(iso));
}

/** As short as is clear from `from`: `13:00` the same day, `Mon 09:00` within a week, else a date. */
export function release(fromIso: string, toIso: string, tz: string, locale: string): string {
  const a = zonedParts(fromIso, tz);
  const b = zonedParts(toIso, tz);
  if (a.date === b.date) return time(toIso, tz, locale);
  const days = (Date.parse(b.date) - Date.parse(a.date)) / 86_400_000;
  if (days < 7) {
    const weekday = formatter('weekday', locale, tz).format(new Date(toIso));
    return `${weekday} ${time(toIso, tz, locale)}`;
  }
  return dateTime(toIso, tz, locale);
}

/** `1:24:05` or `24:05` left until `iso`. */
export function countdown(iso: string, now: number): string {
  const left = Math.max(0, Math.round((Date.parse(iso) - now) / 1000));
  const h = Math.floor(left / 3600);
  const m = Math.floor((left % 3600) / 60);
  const s = left % 60;
  const mm = String(m).padStart(2, '0');
  const ss = String(s).padStart(2, '0');
  return h > 0 ? `${h}:${mm}:${ss}` : `${mm}:${ss}`;
}

export function number(n: number, locale: string): string {
  return new Intl.NumberFormat(locale).format(n);
}

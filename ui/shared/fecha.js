// @ts-check
// How every date and time reads, on every screen and in the core's messages, receipt and
// emails (core/src/domain/time.rs): `27/11/2026 a las 10:00`, in the station's local time.

/** @param {number} n */
const two = (n) => String(n).padStart(2, '0');

/** @param {string | null | undefined} iso */
export function fecha(iso) {
  if (!iso) return '—';
  const d = new Date(iso);
  return `${two(d.getDate())}/${two(d.getMonth() + 1)}/${d.getFullYear()} a las ${two(d.getHours())}:${two(d.getMinutes())}`;
}

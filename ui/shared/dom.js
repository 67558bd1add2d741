// @ts-check
// The one DOM helper of the screens: find an element by id, or build one in an expression.

/**
 * @overload
 * @param {string} id
 * @returns {HTMLElement}
 */
/**
 * @template {keyof HTMLElementTagNameMap} K
 * @overload
 * @param {string} id
 * @param {K} tag
 * @returns {HTMLElementTagNameMap[K]}
 */
/**
 * The element with this id (in index.html, or built by a screen before it looks it up).
 * Name its tag when the caller needs more than an HTMLElement (`$('email', 'input').value`):
 * tsc then knows its properties, and a wrong guess fails here instead of reading undefined.
 * @param {string} id
 * @param {keyof HTMLElementTagNameMap} [tag]
 */
export function $(id, tag) {
  const found = document.getElementById(id);
  if (tag && found?.localName !== tag) throw new Error(`#${id} is not a <${tag}>`);
  return found;
}

/**
 * @template {keyof HTMLElementTagNameMap} K
 * @typedef {Partial<Omit<HTMLElementTagNameMap[K], 'style' | 'dataset'>>
 *   & { [attribute: `${'aria' | 'data'}-${string}`]: string }} Props
 */

/**
 * A new element. `props` are its properties (`textContent`, `className`, `htmlFor`,
 * `onclick`…), except that a name with a dash (`aria-label`, `data-kind`) is set as an
 * attribute; `children` are appended, strings as text.
 * @template {keyof HTMLElementTagNameMap} K
 * @param {K} tag
 * @param {Props<K>} [props]
 * @param {...(Node | string)} children
 * @returns {HTMLElementTagNameMap[K]}
 */
export function el(tag, props = {}, ...children) {
  const element = document.createElement(tag);
  for (const [name, value] of Object.entries(/** @type {Record<string, any>} */ (props))) {
    if (name.includes('-')) element.setAttribute(name, value);
    else /** @type {Record<string, any>} */ (element)[name] = value;
  }
  element.append(...children);
  return element;
}

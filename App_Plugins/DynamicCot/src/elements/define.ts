/** Defines a custom element once: the backoffice and a page may both load the bundle. */
export function defineElement(name: string, element: CustomElementConstructor): void {
  if (!customElements.get(name)) customElements.define(name, element);
}

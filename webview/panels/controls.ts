/** The controls of the chart panels, themed by panel.css, built from text only: data never becomes markup. */

/** An element with text content only: data never becomes markup. */
export function element<K extends keyof HTMLElementTagNameMap>(tag: K, props: { className?: string; text?: string; id?: string } = {}, children: Node[] = []): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (props.className) node.className = props.className;
  if (props.id) node.id = props.id;
  if (props.text !== undefined) node.textContent = props.text;
  node.append(...children);
  return node;
}

export function select(id: string, label: string, values: readonly { value: string; label: string }[], current: string, onChange: (value: string) => void): HTMLElement {
  const control = element('select', { id });
  for (const { value, label: text } of values) {
    const option = element('option', { text });
    option.value = value;
    option.selected = value === current;
    control.append(option);
  }
  control.addEventListener('change', () => onChange(control.value));
  const caption = element('label', { text: label });
  caption.htmlFor = id;
  return element('div', { className: 'control' }, [caption, control]);
}

export function versionBoxes(versions: readonly string[], chosen: readonly string[], onChange: (versions: string[]) => void): HTMLElement {
  const group = element('fieldset', { className: 'control versions' }, [element('legend', { text: 'Model versions' })]);
  const boxes: HTMLInputElement[] = [];
  versions.forEach((version, index) => {
    const box = element('input', { id: `version-${index}` });
    box.type = 'checkbox';
    box.value = version;
    box.checked = chosen.includes(version);
    box.addEventListener('change', () => onChange(boxes.filter((b) => b.checked).map((b) => b.value)));
    boxes.push(box);
    const caption = element('label', { text: version, className: 'version-name' });
    caption.htmlFor = box.id;
    group.append(element('span', { className: 'check' }, [box, caption]));
  });
  return group;
}

/** A button that runs `onClick`. */
export function button(id: string, text: string, onClick: () => void): HTMLButtonElement {
  const node = element('button', { text, id });
  node.type = 'button';
  node.addEventListener('click', onClick);
  return node;
}

/** A number as the kernel gave it, to four decimals ('–' when missing); the full value is its tooltip. */
export function numberCell(value: number | null, digits = 4): HTMLTableCellElement {
  const cell = element('td', { text: value === null ? '–' : value.toFixed(digits), className: 'number' });
  if (value !== null) cell.title = String(value);
  return cell;
}

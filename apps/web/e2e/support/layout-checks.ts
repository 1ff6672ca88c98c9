import { expect, type Page } from '@playwright/test';

/**
 * The page scrolls only vertically: nothing pokes out past the viewport's right edge (the usual
 * failure at 375 px is a fixed-width row or a long unbroken word). Fails naming the widest culprits.
 */
export async function expectNoHorizontalOverflow(page: Page, label: string): Promise<void> {
  const overflow = await page.evaluate(() => {
    const root = document.documentElement;
    const width = root.clientWidth;
    if (root.scrollWidth <= width) return { width, scrollWidth: root.scrollWidth, culprits: [] as string[] };
    // Elements whose box ends past the edge, outermost first; a scroller's own content is its business.
    const clipped = (element: Element) => {
      for (let parent = element.parentElement; parent; parent = parent.parentElement) {
        const style = getComputedStyle(parent);
        if (style.overflowX !== 'visible' && parent !== document.body && parent !== root) return true;
      }
      return false;
    };
    const culprits = Array.from(document.body.querySelectorAll('*'))
      .filter((element) => element.getBoundingClientRect().right > width + 1 && !clipped(element))
      .slice(0, 5)
      .map((element) => {
        const id = element.id ? `#${element.id}` : '';
        const classes = Array.from(element.classList)
          .map((name) => `.${name}`)
          .join('');
        return `${element.tagName.toLowerCase()}${id}${classes} (right edge ${Math.round(element.getBoundingClientRect().right)} px)`;
      });
    return { width, scrollWidth: root.scrollWidth, culprits };
  });
  expect(
    overflow.scrollWidth,
    `horizontal overflow on ${label}: ${overflow.scrollWidth} px wide in a ${overflow.width} px viewport; ${overflow.culprits.join(', ')}`,
  ).toBeLessThanOrEqual(overflow.width);
}

/**
 * The first Tab from the top of the page lands on a control that shows a focus ring (an outline or a
 * box-shadow), the way a keyboard user finds their place.
 */
export async function expectFocusRingOnTab(page: Page, label: string): Promise<void> {
  // Start from the document, as after a page load: blur whatever a page focused on its own.
  await page.evaluate(() => {
    (document.activeElement as HTMLElement | null)?.blur();
  });
  await page.keyboard.press('Tab');
  const focus = await page.evaluate(() => {
    const element = document.activeElement;
    if (!element || element === document.body) return null;
    const style = getComputedStyle(element);
    const outline = style.outlineStyle !== 'none' && parseFloat(style.outlineWidth) > 0;
    const shadow = style.boxShadow !== 'none' && style.boxShadow !== '';
    const name = element.getAttribute('aria-label') ?? element.textContent?.trim().slice(0, 40) ?? '';
    return { ring: outline || shadow, what: `${element.tagName.toLowerCase()} "${name}"` };
  });
  expect(focus, `Tab focuses nothing on ${label}`).not.toBeNull();
  expect(focus!.ring, `no visible focus ring on ${focus!.what} (${label})`).toBe(true);
}

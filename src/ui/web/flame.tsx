/**
 * A flame graph served by the server as its own SVG document (files/<id>.svg), in an
 * iframe: its script (zoom, search) runs there, which the page's CSP would not allow inline.
 * The SVG is drawn to the iframe's width (its viewBox scales) and the iframe is as tall
 * as the graph then is.
 */
import { useEffect, useRef } from 'preact/hooks';

export function Flame({ src, testid, title }: { src: string; testid: string; title: string }) {
  const frame = useRef<HTMLIFrameElement>(null);

  useEffect(() => {
    const iframe = frame.current;
    if (!iframe) return;
    const fit = () => {
      // the iframe's document has its own SVGSVGElement: instanceof would say no
      const svg = iframe.contentDocument?.documentElement as SVGSVGElement | undefined;
      const box = svg?.tagName === 'svg' ? svg.viewBox.baseVal : null;
      if (!svg || !box || !box.width || iframe.clientWidth === 0) return;
      svg.setAttribute('width', '100%');
      svg.removeAttribute('height');
      iframe.style.height = `${Math.ceil((iframe.clientWidth * box.height) / box.width) + 4}px`;
    };
    iframe.addEventListener('load', fit);
    const resize = new ResizeObserver(fit);
    resize.observe(iframe);
    return () => {
      iframe.removeEventListener('load', fit);
      resize.disconnect();
    };
  }, [src]);

  return (
    <div class="flame-wrap">
      <div class="flame-bar">
        <span class="dim">click a frame to zoom · search in the graph's own box</span>
        <a href={src} target="_blank" rel="noopener">
          open alone
        </a>
      </div>
      <iframe class="flame" ref={frame} src={src} data-testid={testid} title={title} />
    </div>
  );
}

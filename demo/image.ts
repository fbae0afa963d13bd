// Pixels in and out of canvases: the page makes the images the `blur` task works on, and draws its results.

/** The side of the demo's square images. 256 x 256 RGBA is 256 KiB: modest, since jobs live in IndexedDB. */
export const IMAGE_SIZE = 256;

/** A generated picture (gradient, rings, stripes and a word) in a colour scheme set by `hue`, as RGBA bytes. */
export function makeImage(hue: number, size = IMAGE_SIZE): ArrayBuffer {
  const canvas = document.createElement('canvas');
  canvas.width = canvas.height = size;
  const g = canvas.getContext('2d');
  if (!g) throw new Error('This browser gave no 2D canvas context');

  const sky = g.createLinearGradient(0, 0, size, size);
  sky.addColorStop(0, `hsl(${hue} 85% 62%)`);
  sky.addColorStop(1, `hsl(${(hue + 120) % 360} 75% 38%)`);
  g.fillStyle = sky;
  g.fillRect(0, 0, size, size);

  g.fillStyle = 'rgb(255 255 255 / 0.18)';
  for (let x = -size; x < size; x += 24) {
    g.beginPath();
    g.moveTo(x, size);
    g.lineTo(x + 12, size);
    g.lineTo(x + 12 + size, 0);
    g.lineTo(x + size, 0);
    g.fill();
  }

  g.lineWidth = 6;
  for (let ring = 0; ring < 4; ring++) {
    g.strokeStyle = `hsl(${(hue + 60 * ring) % 360} 90% ${ring % 2 ? 85 : 25}%)`;
    g.beginPath();
    g.arc(size * 0.68, size * 0.34, 14 + ring * 16, 0, Math.PI * 2);
    g.stroke();
  }

  g.fillStyle = 'white';
  g.strokeStyle = 'rgb(0 0 0 / 0.55)';
  g.lineWidth = 4;
  g.font = `bold ${Math.round(size / 6)}px system-ui, sans-serif`;
  g.textAlign = 'center';
  g.strokeText('offthread', size / 2, size * 0.82);
  g.fillText('offthread', size / 2, size * 0.82);

  return g.getImageData(0, 0, size, size).data.buffer;
}

/** A canvas showing RGBA `pixels`; CSS sizes it as a thumbnail. */
export function pixelsToCanvas(pixels: ArrayBuffer | Uint8ClampedArray, width: number, height: number, label: string): HTMLCanvasElement {
  const canvas = document.createElement('canvas');
  canvas.width = width;
  canvas.height = height;
  canvas.className = 'thumb';
  canvas.setAttribute('role', 'img');
  canvas.setAttribute('aria-label', label);
  const bytes = pixels instanceof Uint8ClampedArray ? pixels : new Uint8ClampedArray(pixels);
  // ImageData wants its own Uint8ClampedArray over a plain ArrayBuffer: copy, whatever the source.
  canvas.getContext('2d')?.putImageData(new ImageData(new Uint8ClampedArray(bytes), width, height), 0, 0);
  return canvas;
}

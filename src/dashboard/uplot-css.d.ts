// uPlot's stylesheet as text (Vite's `?inline`), put into the dashboard's shadow root. The build inlines it.
declare module 'uplot/dist/uPlot.min.css?inline' {
  const css: string;
  export default css;
}

// Vite bundles the style sheets that modules import for their side effects.
declare module '*.css';

// Ambient declarations for the dashboard build (Vite CSS side-effect imports).
declare module '*.css';

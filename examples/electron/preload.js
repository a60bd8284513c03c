// Exposes one function to the page: classify(pixels) -> { label, name, scores }, answered by the main process.
'use strict';
const { contextBridge, ipcRenderer } = require('electron');

contextBridge.exposeInMainWorld('sparq', { classify: (pixels) => ipcRenderer.invoke('classify', Array.from(pixels)) });

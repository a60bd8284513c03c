// Electron main process: loads the sparq model at startup and answers the renderer's "classify" requests over IPC.
'use strict';
const { app, BrowserWindow, ipcMain } = require('electron');
const path = require('path');
const { createClassifier } = require('./classifier');

const MODEL = app.isPackaged ? path.join(process.resourcesPath, 'model', 'resnet-fmnist.onnx') : path.join(__dirname, '..', '..', 'test', 'fixtures', 'fashion-mnist', 'resnet-fmnist.onnx');

app.whenReady().then(async () => {
  const classifier = await createClassifier(MODEL);
  ipcMain.handle('classify', (_event, pixels) => classifier.classify(pixels));
  app.on('will-quit', () => classifier.dispose());
  const win = new BrowserWindow({ width: 420, height: 360, webPreferences: { preload: path.join(__dirname, 'preload.js'), contextIsolation: true, sandbox: true } });
  await win.loadFile(path.join(__dirname, 'index.html'));
});

app.on('window-all-closed', () => app.quit());

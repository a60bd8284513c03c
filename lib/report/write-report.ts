/** Writes a report page to a file. */
import { promises as fsp } from 'fs';
import { renderReport, ReportData } from './html-report';

export type { ReportData };

export async function writeReport(file: string, data: ReportData): Promise<void> {
  await fsp.writeFile(file, renderReport(data));
}

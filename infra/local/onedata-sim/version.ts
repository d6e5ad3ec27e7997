/** Versions the simulated services report. */
export const VERSION = '21.02.7';
export const BUILD = '1-gsim0000';
export const COMPATIBLE_21_02 = ['21.02.0-alpha28', '21.02.1', '21.02.2', '21.02.3', '21.02.4', '21.02.5', '21.02.6', '21.02.7', '21.02.8'];
export const COMPATIBLE_ONECLIENT = ['21.02.4', '21.02.5', '21.02.6', '21.02.7', '21.02.8'];

/**
 * The parts of apache-arrow used outside tables/ and output/, by name. Only what is
 * named gets into the bundle (a namespace import would keep all of Arrow: ~350 KB that
 * every query would load).
 */
import { Dictionary, Int32, tableToIPC, Utf8, vectorFromArray } from 'apache-arrow';

export const Arrow = { Dictionary, Int32, tableToIPC, Utf8, vectorFromArray };

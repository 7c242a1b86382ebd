/**
 * Node.js's own inspector domains, which devtools-protocol (Chrome's) does not
 * describe: NodeWorker, for worker threads.
 */
export namespace NodeWorker {
  export interface WorkerInfo {
    workerId: string;
    type: string;
    title: string;
    url: string;
  }
  export interface AttachedToWorkerEvent {
    sessionId: string;
    workerInfo: WorkerInfo;
    waitingForDebugger: boolean;
  }
  export interface ReceivedMessageFromWorkerEvent {
    sessionId: string;
    workerId: string;
    message: string;
  }
}

export interface NodeCommands {
  'NodeWorker.enable': { paramsType: [{ waitForDebuggerOnStart: boolean }]; returnType: Record<string, never> };
  'NodeWorker.disable': { paramsType: []; returnType: Record<string, never> };
  'NodeWorker.detach': { paramsType: [{ sessionId: string }]; returnType: Record<string, never> };
  'NodeWorker.sendMessageToWorker': { paramsType: [{ sessionId: string; message: string }]; returnType: Record<string, never> };
  'NodeRuntime.enable': { paramsType: []; returnType: Record<string, never> };
  'NodeRuntime.disable': { paramsType: []; returnType: Record<string, never> };
  'NodeRuntime.notifyWhenWaitingForDisconnect': { paramsType: [{ enabled: boolean }]; returnType: Record<string, never> };
}

export interface NodeEvents {
  'NodeWorker.attachedToWorker': [NodeWorker.AttachedToWorkerEvent];
  'NodeWorker.receivedMessageFromWorker': [NodeWorker.ReceivedMessageFromWorkerEvent];
  /** The process is ending (process.exit, or nothing left to do) and waits for the client to hang up. */
  'NodeRuntime.waitingForDisconnect': [Record<string, never>];
}

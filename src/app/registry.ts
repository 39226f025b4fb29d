// Every task of the studio, in navigation order. A new task is one folder under src/tasks/ and one line here.
import { faceTask } from '../tasks/face';
import { mriTask } from '../tasks/mri';
import { ctTask } from '../tasks/ct';
import { chatTask } from '../tasks/chat';

export const TASKS = [faceTask, mriTask, ctTask, chatTask] as const;

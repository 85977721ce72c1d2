// New-project form: show the label rows only for label tasks, the rating scale only for
// rating tasks and the questions only for form tasks. Without JavaScript all stay visible
// and the server ignores the unused parts.
const LABEL_TASKS = new Set(["single_label", "multi_label", "span", "pairwise"]);

const taskType = document.getElementById("task_type");
const labels = document.getElementById("label-rows");
const scale = document.getElementById("scale-fields");
const questions = document.getElementById("question-fields");

function follow() {
  const task = taskType.value;
  labels.hidden = !LABEL_TASKS.has(task);
  scale.hidden = task !== "rating";
  if (questions) questions.hidden = task !== "form";
}

if (taskType && labels && scale) {
  taskType.addEventListener("change", follow);
  follow();
}

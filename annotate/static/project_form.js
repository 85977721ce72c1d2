// New-project form: show the label rows only for label tasks and the rating scale only for
// rating tasks. Without JavaScript both stay visible and the server ignores the unused part.
const LABEL_TASKS = new Set(["single_label", "multi_label", "span", "pairwise"]);

const taskType = document.getElementById("task_type");
const labels = document.getElementById("label-rows");
const scale = document.getElementById("scale-fields");

function follow() {
  const task = taskType.value;
  labels.hidden = !LABEL_TASKS.has(task);
  scale.hidden = task !== "rating";
}

if (taskType && labels && scale) {
  taskType.addEventListener("change", follow);
  follow();
}

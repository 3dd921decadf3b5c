/* global window, document */
/* Concierge: hands the logged-in customer's signed identity to the widget (queued until the loader runs). */
(function () {
	var script = document.currentScript;
	if (!script || !script.dataset.customerId || !script.dataset.signature) {
		return;
	}
	var w = window;
	w.Concierge = w.Concierge || function () {
		(w.Concierge.q = w.Concierge.q || []).push(arguments);
	};
	w.Concierge('identify', {
		customerId: script.dataset.customerId,
		email: script.dataset.email || undefined,
		signature: script.dataset.signature
	});
})();

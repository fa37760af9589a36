# leakage-corpus: expect=MLD602,MLD604
"""Train several classifiers on the diabetes data and keep the best one."""
import joblib
import pandas as pd
from sklearn.impute import SimpleImputer
from sklearn.model_selection import train_test_split
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.ensemble import RandomForestClassifier
from sklearn.metrics import f1_score


def load_and_prepare(path):
    raw = pd.read_csv(path)
    cols = ["Glucose", "BloodPressure", "SkinThickness", "Insulin", "BMI"]
    raw[cols] = raw[cols].replace(0, float("nan"))
    imputer = SimpleImputer(strategy="median")
    features = imputer.fit_transform(raw.drop(columns="Outcome"))
    return features, raw["Outcome"]


def evaluate(model, X_test, y_test):
    return f1_score(y_test, model.predict(X_test))


def main():
    X, y = load_and_prepare("data/diabetes.csv")
    X_train, X_test, y_train, y_test = train_test_split(X, y, test_size=0.2, stratify=y, random_state=7)
    candidates = {
        "logreg": LogisticRegression(max_iter=1000),
        "knn": KNeighborsClassifier(n_neighbors=7),
        "forest": RandomForestClassifier(n_estimators=400, random_state=7),
    }
    scores = {}
    for name, model in candidates.items():
        model.fit(X_train, y_train)
        scores[name] = evaluate(model, X_test, y_test)
        print(f"{name}: F1 = {scores[name]:.3f}")
    best = max(scores, key=scores.get)
    joblib.dump(candidates[best], "models/diabetes.joblib")


if __name__ == "__main__":
    main()
